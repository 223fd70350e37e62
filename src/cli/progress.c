/* Progress lines and bars for fit and cv. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "display.h"
#include "progress.h"

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void progress_init(progress *p, long epochs, int forced, const char *label)
{
    p->live = g_level >= 2 && isatty(2);
    p->every = 0;
    if (!p->live && (g_level >= 3 || (forced && g_level >= 2)))
        p->every = epochs >= 10 ? (int)(epochs / 10) : 1;
    p->each_epoch = g_level >= 3;
    if (p->each_epoch)
        p->every = 1;
    p->start = now_seconds();
    p->last_draw = -1;
    p->label = label;
}

void progress_epoch(void *ctx, long epoch, long epochs, double train, double valid)
{
    progress *p = ctx;
    double el = now_seconds() - p->start;
    double eta = epoch ? el / epoch * (epochs - epoch) : 0;
    if (p->each_epoch) {
        fprintf(stderr, "%s: epoch %ld loss %.17g", p->label, epoch, train);
        if (!isnan(valid))
            fprintf(stderr, " validation %.17g", valid);
        fputc('\n', stderr);
        return;
    }
    if (p->live) {
        double now = p->start + el;
        if (epoch != epochs && now - p->last_draw < 0.1)
            return;
        p->last_draw = now;
        int width = 24, done = epochs ? (int)(width * epoch / epochs) : width;
        char bar[32];
        for (int i = 0; i < width; i++)
            bar[i] = i < done ? '=' : (i == done ? '>' : ' ');
        bar[width] = 0;
        fprintf(stderr, "\r%s [%s] epoch %ld/%ld  loss %.4g", p->label, bar, epoch, epochs,
                train);
        if (!isnan(valid))
            fprintf(stderr, "  validation %.4g", valid);
        fprintf(stderr, "  ETA %.0fs \033[K", eta);
        fflush(stderr);
        return;
    }
    if (p->every && (epoch % p->every == 0 || epoch == epochs)) {
        fprintf(stderr, "%s: epoch %ld/%ld loss %.6g", p->label, epoch, epochs, train);
        if (!isnan(valid))
            fprintf(stderr, " validation %.6g", valid);
        fprintf(stderr, " (%.1fs)\n", el);
    }
}

void progress_done(progress *p)
{
    if (p->live) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

void counter_init(counter *c, const char *label, const char *unit)
{
    c->live = g_level >= 2 && isatty(2);
    c->start = now_seconds();
    c->last_draw = c->start;
    c->label = label;
    c->unit = unit;
    c->drawn = 0;
}

void counter_update(counter *c, double done, double total)
{
    if (!c->live)
        return;
    double now = now_seconds();
    if (now - c->start < 1 || now - c->last_draw < 0.1) /* quick phases show nothing */
        return;
    c->last_draw = now;
    c->drawn = 1;
    double eta = done > 0 ? (now - c->start) / done * (total - done) : 0;
    if (total > 0 && strcmp(c->unit, "%") == 0)
        fprintf(stderr, "\r%s: %.0f%% (ETA %.0fs)\033[K", c->label, 100 * done / total, eta);
    else if (total > 0)
        fprintf(stderr, "\r%s: %.0f of %.0f %s (%.0f%%, ETA %.0fs)\033[K", c->label, done, total,
                c->unit, 100 * done / total, eta);
    else
        fprintf(stderr, "\r%s: %.0f %s (%.0fs)\033[K", c->label, done, c->unit, now - c->start);
    fflush(stderr);
}

void counter_done(counter *c)
{
    if (c->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    c->drawn = 0;
}

void phase_progress_init(phase_progress *p, const char *prefix, const char *unit, int forced)
{
    memset(p, 0, sizeof *p);
    p->prefix = prefix;
    p->unit = unit;
    p->forced = forced;
}

void phase_progress_update(void *ctx, const char *phase, long done, long total)
{
    phase_progress *p = ctx;
    char label[sizeof p->label];
    snprintf(label, sizeof label, "%s: %s", p->prefix, phase);
    if (!p->started || strcmp(label, p->label) != 0) {
        if (p->started)
            counter_done(&p->c);
        memcpy(p->label, label, sizeof label);
        counter_init(&p->c, p->label, p->unit);
        if (p->forced && g_level >= 2)
            p->c.live = 1;
        p->started = 1;
    }
    counter_update(&p->c, (double)done, (double)total);
}

void phase_progress_done(phase_progress *p)
{
    if (p->started)
        counter_done(&p->c);
    p->started = 0;
}
