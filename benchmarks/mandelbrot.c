#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>

static bool inside(double cr, double ci) {
    double zr = 0.0, zi = 0.0;
    for (int64_t i = 0; i < 50; i++) {
        double t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        if (zr * zr + zi * zi > 4.0) return false;
    }
    return true;
}

int main(void) {
    int64_t n = 1200, count = 0;
    for (int64_t y = 0; y < n; y++) {
        for (int64_t x = 0; x < n; x++) {
            double cr = 2.0 * (double)x / (double)n - 1.5;
            double ci = 2.0 * (double)y / (double)n - 1.0;
            if (inside(cr, ci)) count++;
        }
    }
    printf("%lld\n", (long long)count);
    return 0;
}
