#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    long total = 0;
    for (long round = 0; round < 20; round++) {
        long count = 50000;
        char **parts = malloc(count * sizeof(char *));
        size_t length = 0;
        for (long i = 0; i < count; i++) {
            char buffer[64];
            int n = snprintf(buffer, sizeof buffer, "item-%ld:%ld", i, i * round);
            parts[i] = malloc(n + 1);
            memcpy(parts[i], buffer, n + 1);
            length += n;
        }
        char *joined = malloc(length + count + 1);
        size_t at = 0;
        for (long i = 0; i < count; i++) {
            if (i > 0) joined[at++] = ',';
            size_t n = strlen(parts[i]);
            memcpy(joined + at, parts[i], n);
            at += n;
            free(parts[i]);
        }
        joined[at] = 0;
        total += (long)at;
        free(joined);
        free(parts);
    }
    printf("%ld\n", total);
    return 0;
}
