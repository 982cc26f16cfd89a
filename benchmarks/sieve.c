#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdbool.h>

static int64_t sieve(int64_t n) {
    bool *composite = calloc(n + 1, sizeof(bool));
    int64_t count = 0;
    for (int64_t i = 2; i <= n; i++) {
        if (!composite[i]) {
            count++;
            for (int64_t j = i * i; j <= n; j += i) composite[j] = true;
        }
    }
    free(composite);
    return count;
}

int main(void) {
    int64_t total = 0;
    for (int round = 0; round < 5; round++) total += sieve(4000000);
    printf("%lld\n", (long long)total);
    return 0;
}
