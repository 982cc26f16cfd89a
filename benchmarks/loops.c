#include <stdio.h>
#include <stdint.h>

int main(void) {
    int64_t total = 0;
    for (int64_t i = 0; i < 20000; i++) {
        for (int64_t j = 0; j < 10000; j++) {
            total += (i * j) % 7;
        }
    }
    printf("%lld\n", (long long)total);
    return 0;
}
