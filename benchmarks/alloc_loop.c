#include <stdio.h>
#include <stdlib.h>

typedef struct Cell { long value; struct Cell *next; } Cell;

int main(void) {
    Cell *keep = malloc(sizeof(Cell));
    keep->value = -1;
    keep->next = NULL;
    long checksum = 0;
    for (long round = 0; round < 1250; round++) {
        Cell *chain = NULL;
        for (long i = 0; i < 100000; i++) {
            Cell *c = malloc(sizeof(Cell));
            c->value = i;
            c->next = chain;
            chain = c;
        }
        long n = 0;
        for (Cell *walk = chain; walk; walk = walk->next) n++;
        checksum += n;
        char s[32];
        checksum += snprintf(s, sizeof s, "round %ld", round);
        while (chain) { Cell *next = chain->next; free(chain); chain = next; }
    }
    printf("%ld\n%ld\n", checksum, keep->value);
    return 0;
}
