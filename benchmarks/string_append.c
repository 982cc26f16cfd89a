// The baseline of issue 10: every append copies the whole string into a new allocation
// (malloc, memcpy, free), as immutable strings without in-place appends do.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *append(char *s, size_t len, const char *x, size_t n) {
    char *out = malloc(len + n + 1);
    memcpy(out, s, len);
    memcpy(out + len, x, n + 1);
    free(s);
    return out;
}

int main(void) {
    char *s = calloc(1, 1);
    size_t slen = 0;
    for (long i = 0; i < 200000; i++) {
        s = append(s, slen, "x", 1);
        slen += 1;
    }
    char *t = calloc(1, 1);
    size_t tlen = 0;
    for (long i = 0; i < 50000; i++) {
        t = append(t, tlen, "ab", 2);
        tlen += 2;
    }
    printf("%zu\n", slen + tlen);
    free(s);
    free(t);
    return 0;
}
