/* Ticks and labels (see plot_ticks.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_ticks.h"

/* 1.5e+06 -> 1.5e6, 2e-05 -> 2e-5 */
static void tidy_exponent(char *s)
{
    char *e = strchr(s, 'e');
    if (!e)
        return;
    char *d = e + 1, *src = e + 1;
    if (*src == '+')
        src++;
    else if (*src == '-')
        *d++ = *src++;
    while (*src == '0' && src[1])
        src++;
    memmove(d, src, strlen(src) + 1);
}

void plot_format(char *buf, size_t n, double v)
{
    snprintf(buf, n, "%.6g", v == 0 ? 0.0 : v);
    tidy_exponent(buf);
}

/* v with enough digits to tell apart values step apart, in a set whose
 * largest magnitude is big: plain digits (a northing of 4001500) unless
 * there would be too many. */
static void format_step(char *buf, size_t n, double v, double step, double big)
{
    if (v == 0) {
        snprintf(buf, n, "0");
        return;
    }
    int decimals = (int)-floor(log10(step) + 1e-9);
    decimals = decimals < 0 ? 0 : decimals;
    int whole = big >= 1 ? (int)floor(log10(big)) + 1 : 1;
    if (step >= 1e-4 && big < 1e9 && whole + decimals <= 9) {
        snprintf(buf, n, "%.*f", decimals, v);
    } else {
        int digits = (int)ceil(log10(fmax(big, step) / step)) + 1;
        snprintf(buf, n, "%.*g", digits < 1 ? 1 : digits > 15 ? 15 : digits, v);
    }
    tidy_exponent(buf);
}

/* 30°E, 150°W, 0°, 180°; 10°S, 10°N. Longitudes beyond ±180 are shown
 * as the meridian they are (200 -> 160°W). */
static void format_degrees(char *buf, size_t n, double v, double step, tick_style style)
{
    if (style == TICK_LON) {
        v = fmod(v, 360);
        if (v > 180)
            v -= 360;
        else if (v <= -180)
            v += 360;
    }
    char num[32];
    format_step(num, sizeof num, fabs(v), step, 180);
    const char *hemi = "";
    if (v != 0 && !(style == TICK_LON && fabs(v) == 180))
        hemi = style == TICK_LON ? (v > 0 ? "E" : "W") : (v > 0 ? "N" : "S");
    snprintf(buf, n, "%s\u00b0%s", num, hemi);
}

double plot_round_down(double v)
{
    double mag = pow(10, floor(log10(v)));
    double f = v / mag;
    return (f >= 5 ? 5 : f >= 2 ? 2 : 1) * mag;
}

void plot_ticks_linear(double lo, double hi, int target, tick_style style, plot_ticks *t)
{
    t->n = 0;
    double raw = (hi - lo) / (target < 1 ? 1 : target);
    if (!(raw > 0) || !isfinite(raw))
        return;
    /* the round step whose count is nearest the target */
    const double mag = pow(10, floor(log10(raw)));
    double step = mag;
    static const double mult[] = {2, 5, 10};
    for (int i = 0; i < 3; i++)
        if (fabs((hi - lo) / (mult[i] * mag) - target) < fabs((hi - lo) / step - target))
            step = mult[i] * mag;
    if (style != TICK_PLAIN && raw > 5 && raw <= 90) {
        static const double deg[] = {90, 60, 45, 30, 15, 10};
        for (int i = 0; i < 6; i++)
            if (deg[i] >= raw * (1 - 1e-9))
                step = deg[i];
    }
    const double big = fmax(fabs(lo), fabs(hi));
    for (double k = ceil(lo / step - 1e-9); k <= floor(hi / step + 1e-9); k++) {
        if (t->n == PLOT_MAX_TICKS)
            break;
        double v = k * step + 0.0; /* + 0.0: no "-0" */
        t->v[t->n] = v;
        if (style == TICK_PLAIN)
            format_step(t->label[t->n], sizeof t->label[0], v, step, big);
        else
            format_degrees(t->label[t->n], sizeof t->label[0], v, step, style);
        t->n++;
    }
}

void plot_ticks_log(double lo, double hi, plot_ticks *t)
{
    t->n = 0;
    if (!(lo > 0) || !(hi > lo) || !isfinite(hi))
        return;
    const int fine = log10(hi / lo) < 3;
    static const double mult[] = {1, 2, 5};
    for (double e = floor(log10(lo)); e <= ceil(log10(hi)); e++)
        for (int i = 0; i < (fine ? 3 : 1); i++) {
            double v = mult[i] * pow(10, e);
            if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9) || t->n == PLOT_MAX_TICKS)
                continue;
            t->v[t->n] = v;
            plot_format(t->label[t->n], sizeof t->label[0], v);
            t->n++;
        }
}
