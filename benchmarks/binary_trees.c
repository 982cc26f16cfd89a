#include <stdio.h>
#include <stdlib.h>

typedef struct Tree { struct Tree *left, *right; } Tree;

static Tree *make(int depth) {
    Tree *t = malloc(sizeof(Tree));
    if (depth == 0) { t->left = t->right = NULL; return t; }
    t->left = make(depth - 1);
    t->right = make(depth - 1);
    return t;
}

static long check(Tree *t) {
    if (!t->left || !t->right) return 1;
    return 1 + check(t->left) + check(t->right);
}

static void release(Tree *t) {
    if (t->left) release(t->left);
    if (t->right) release(t->right);
    free(t);
}

int main(void) {
    int max_depth = 18;
    Tree *long_lived = make(max_depth);
    for (int depth = 4; depth <= max_depth; depth += 2) {
        long iterations = 1L << (max_depth - depth + 4);
        long sum = 0;
        for (long i = 0; i < iterations; i++) {
            Tree *t = make(depth);
            sum += check(t);
            release(t);
        }
        printf("%ld trees of depth %d check: %ld\n", iterations, depth, sum);
    }
    printf("long lived tree of depth %d check: %ld\n", max_depth, check(long_lived));
    release(long_lived);
    return 0;
}
