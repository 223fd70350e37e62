/* JSON strings and numbers; strings escaped for a terminal. */
#include <math.h>
#include <stdlib.h>

#include "json.h"

size_t utf8_seq(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
             : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
    for (size_t i = 1; i < n; i++) /* stops at the NUL: it is no continuation byte */
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    /* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
        return 0;
    return n;
}

/* C1 controls U+0080..U+009F are encoded C2 80..C2 9F. */
static int is_c1(const unsigned char *p, size_t n)
{
    return n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t n = utf8_seq(p);
        if (n == 0) {
            fputs("\\ufffd", f);
            n = 1;
        } else if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else if (is_c1(p, n))
            fprintf(f, "\\u%04x", p[1]);
        else
            fwrite(p, 1, n, f);
        p += n;
    }
    fputc('"', f);
}

void text_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t n = utf8_seq(p);
        if (n == 0 || *p < 0x20 || *p == 0x7f || is_c1(p, n)) {
            n = n ? n : 1;
            for (size_t i = 0; i < n; i++)
                fprintf(f, "\\x%02x", p[i]);
        } else {
            fwrite(p, 1, n, f);
        }
        p += n;
    }
}

void json_number(FILE *f, double v)
{
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    char buf[32];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}
