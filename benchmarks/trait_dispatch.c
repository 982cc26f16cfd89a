#include <stdio.h>
#include <stdlib.h>

typedef struct Shape { double (*area)(struct Shape *); } Shape;
typedef struct { Shape base; double side; } Square;
typedef struct { Shape base; double w, h; } Rect;

static double square_area(Shape *s) { Square *q = (Square *)s; return q->side * q->side; }
static double rect_area(Shape *s) { Rect *r = (Rect *)s; return r->w * r->h; }

int main(void) {
    Shape *shapes[1000];
    for (int i = 0; i < 1000; i++) {
        if (i % 2 == 0) {
            Square *q = malloc(sizeof *q); q->base.area = square_area; q->side = i % 7; shapes[i] = &q->base;
        } else {
            Rect *r = malloc(sizeof *r); r->base.area = rect_area; r->w = i % 5; r->h = 2.0; shapes[i] = &r->base;
        }
    }
    double total = 0.0;
    for (int round = 0; round < 20000; round++)
        for (int i = 0; i < 1000; i++) total += shapes[i]->area(shapes[i]);
    /* Pluto prints floats as Rust's `{}` does: whole numbers without a fraction. */
    if (total == (double)(long long)total) printf("%lld\n", (long long)total); else printf("%.17g\n", total);
    return 0;
}
