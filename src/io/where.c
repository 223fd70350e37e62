/* --where on CSV input: a recursive-descent parser of the grammar in
 * geoembed/where.h into a small tree, and a three-valued evaluator over one
 * row's cells (SQL's true / false / unknown, so that missing values behave as
 * they do in OGR). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geoembed/where.h"

enum { T_FALSE, T_TRUE, T_UNKNOWN };
enum { N_OR, N_AND, N_NOT, N_CMP, N_ISNULL };
enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
enum { V_COL, V_NUM, V_TEXT };

typedef struct {
    int kind;
    char *text; /* column name or text literal */
    double num;
    int col;    /* after ge_where_bind */
} operand;

typedef struct node {
    int kind, op, negate;
    struct node *a, *b;
    operand l, r;
} node;

struct ge_where {
    node *root;
    char *expr;
};

typedef struct {
    const char *s, *p; /* the expression and the parse position */
    ge_error *err;
    int failed;
} parser;

/* ------------------------------------------------------------ parsing */

static void skip_space(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static void *syntax(parser *ps, const char *what)
{
    if (!ps->failed)
        ge_fail(ps->err, "--where: expected %s at character %d of '%s'", what,
                (int)(ps->p - ps->s) + 1, ps->s);
    ps->failed = 1;
    return NULL;
}

static int is_ident_start(int c) { return isalpha(c) || c == '_'; }
static int is_ident(int c) { return isalnum(c) || c == '_' || c == '.'; }

/* The keyword kw (case-insensitive, whole word) is next: consumes it. */
static int keyword(parser *ps, const char *kw)
{
    skip_space(ps);
    size_t n = strlen(kw);
    if (strncasecmp(ps->p, kw, n) == 0 && !is_ident((unsigned char)ps->p[n])) {
        ps->p += n;
        return 1;
    }
    return 0;
}

static int is_keyword(const char *s, size_t n)
{
    static const char *const kws[] = {"AND", "OR", "NOT", "IS", "NULL", NULL};
    for (int i = 0; kws[i]; i++)
        if (strlen(kws[i]) == n && strncasecmp(s, kws[i], n) == 0)
            return 1;
    return 0;
}

/* A quoted token starting at ps->p (quote q, doubled quote inside = one). */
static char *quoted(parser *ps, char q)
{
    const char *p = ps->p + 1;
    size_t n = 0;
    char *out = malloc(strlen(p) + 1);
    if (!out)
        return syntax(ps, "enough memory");
    for (;;) {
        if (!*p) {
            free(out);
            return syntax(ps, q == '\'' ? "a closing ' of the text" : "a closing \" of the name");
        }
        if (*p == q) {
            if (p[1] != q)
                break;
            p++;
        }
        out[n++] = *p++;
    }
    out[n] = 0;
    ps->p = p + 1;
    return out;
}

static int parse_operand(parser *ps, operand *o)
{
    skip_space(ps);
    const char *p = ps->p;
    memset(o, 0, sizeof *o);
    o->col = -1;
    if (*p == '\'' || *p == '"') {
        o->kind = *p == '\'' ? V_TEXT : V_COL;
        o->text = quoted(ps, *p);
        return o->text ? 0 : -1;
    }
    if (isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+') {
        char *end;
        o->kind = V_NUM;
        o->num = strtod(p, &end);
        if (end == p || is_ident((unsigned char)*end) || !isfinite(o->num)) {
            syntax(ps, "a number");
            return -1;
        }
        ps->p = end;
        return 0;
    }
    if (is_ident_start((unsigned char)*p)) {
        const char *e = p;
        while (is_ident((unsigned char)*e))
            e++;
        if (is_keyword(p, (size_t)(e - p))) {
            syntax(ps, "a column, number or 'text'");
            return -1;
        }
        o->kind = V_COL;
        o->text = strndup(p, (size_t)(e - p));
        ps->p = e;
        if (!o->text) {
            syntax(ps, "enough memory");
            return -1;
        }
        return 0;
    }
    syntax(ps, "a column, number or 'text'");
    return -1;
}

static int parse_cmp(parser *ps, int *op)
{
    static const struct {
        const char *s;
        int op;
    } ops[] = {{"<=", OP_LE}, {">=", OP_GE}, {"<>", OP_NE}, {"!=", OP_NE}, {"==", OP_EQ},
               {"=", OP_EQ},  {"<", OP_LT},  {">", OP_GT}};
    skip_space(ps);
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        size_t n = strlen(ops[i].s);
        if (strncmp(ps->p, ops[i].s, n) == 0) {
            ps->p += n;
            *op = ops[i].op;
            return 0;
        }
    }
    syntax(ps, "a comparison (= != <> < <= > >=) or IS [NOT] NULL");
    return -1;
}

static void free_node(node *n)
{
    if (!n)
        return;
    free_node(n->a);
    free_node(n->b);
    free(n->l.text);
    free(n->r.text);
    free(n);
}

static node *new_node(parser *ps, int kind, node *a, node *b)
{
    node *n = calloc(1, sizeof *n);
    if (!n) {
        free_node(a);
        free_node(b);
        return syntax(ps, "enough memory");
    }
    n->kind = kind;
    n->a = a;
    n->b = b;
    return n;
}

static node *parse_or(parser *ps, int depth);

static node *parse_factor(parser *ps, int depth)
{
    if (depth > 200) /* bounds the recursion on hostile input */
        return syntax(ps, "less nesting");
    if (keyword(ps, "NOT")) {
        node *a = parse_factor(ps, depth + 1);
        return a ? new_node(ps, N_NOT, a, NULL) : NULL;
    }
    skip_space(ps);
    if (*ps->p == '(') {
        ps->p++;
        node *a = parse_or(ps, depth + 1);
        if (!a)
            return NULL;
        skip_space(ps);
        if (*ps->p != ')') {
            free_node(a);
            return syntax(ps, "')'");
        }
        ps->p++;
        return a;
    }
    node *n = new_node(ps, N_CMP, NULL, NULL);
    if (!n)
        return NULL;
    if (parse_operand(ps, &n->l))
        goto fail;
    if (keyword(ps, "IS")) {
        n->kind = N_ISNULL;
        n->negate = keyword(ps, "NOT");
        if (!keyword(ps, "NULL")) {
            syntax(ps, "NULL");
            goto fail;
        }
        return n;
    }
    if (parse_cmp(ps, &n->op) || parse_operand(ps, &n->r))
        goto fail;
    return n;
fail:
    free_node(n);
    return NULL;
}

static node *parse_and(parser *ps, int depth)
{
    node *a = parse_factor(ps, depth);
    while (a && keyword(ps, "AND")) {
        node *b = parse_factor(ps, depth);
        a = b ? new_node(ps, N_AND, a, b) : (free_node(a), NULL);
    }
    return a;
}

static node *parse_or(parser *ps, int depth)
{
    node *a = parse_and(ps, depth);
    while (a && keyword(ps, "OR")) {
        node *b = parse_and(ps, depth);
        a = b ? new_node(ps, N_OR, a, b) : (free_node(a), NULL);
    }
    return a;
}

ge_where *ge_where_parse(const char *expr, ge_error *err)
{
    parser ps = {.s = expr, .p = expr, .err = err};
    ge_where *w = calloc(1, sizeof *w);
    if (!w || !(w->expr = strdup(expr))) {
        free(w);
        ge_fail(err, "out of memory");
        return NULL;
    }
    w->root = parse_or(&ps, 0);
    skip_space(&ps);
    if (w->root && *ps.p) {
        syntax(&ps, "AND, OR or the end");
        free_node(w->root);
        w->root = NULL;
    }
    if (!w->root) {
        if (!ps.failed)
            ge_fail(err, "--where: cannot parse '%s'", expr);
        ge_where_free(w);
        return NULL;
    }
    return w;
}

void ge_where_free(ge_where *w)
{
    if (!w)
        return;
    free_node(w->root);
    free(w->expr);
    free(w);
}

/* ------------------------------------------------------------ binding */

static int bind_operand(operand *o, const ge_csv *c, ge_error *err)
{
    if (o->kind != V_COL)
        return 0;
    o->col = ge_csv_find(c, o->text);
    if (o->col >= 0)
        return 0;
    char cols[512];
    ge_csv_column_list(c, cols, sizeof cols);
    return ge_fail(err, "%s: --where: no column '%s' (columns: %s)", ge_csv_path(c), o->text,
                   cols);
}

static int bind_node(node *n, const ge_csv *c, ge_error *err)
{
    if (!n)
        return 0;
    if (bind_node(n->a, c, err) || bind_node(n->b, c, err))
        return -1;
    if (n->kind == N_CMP || n->kind == N_ISNULL)
        if (bind_operand(&n->l, c, err) || (n->kind == N_CMP && bind_operand(&n->r, c, err)))
            return -1;
    return 0;
}

int ge_where_bind(ge_where *w, const ge_csv *c, ge_error *err)
{
    return bind_node(w->root, c, err);
}

/* ------------------------------------------------------------ evaluation */

typedef struct {
    const ge_csv *c;
    char *const *f;
    long line;
    ge_error *err;
} row;

static int compare(int op, int d)
{
    switch (op) {
    case OP_EQ: return d == 0;
    case OP_NE: return d != 0;
    case OP_LT: return d < 0;
    case OP_LE: return d <= 0;
    case OP_GT: return d > 0;
    default: return d >= 0;
    }
}

/* The cell of a column operand as a number: 0, 1 when missing, -1 (with err)
 * when it is text and a number is required. */
static int cell_number(const row *r, const operand *o, const operand *other, double *v)
{
    const char *s = r->f[o->col];
    if (ge_csv_is_missing(s))
        return 1;
    if (ge_csv_number(s, v) == 0)
        return 0;
    if (other->kind == V_NUM)
        ge_fail(r->err, "%s:%ld: column '%s' (%d): --where compares it with %g, got '%.40s'",
                ge_csv_path(r->c), r->line, ge_csv_colname(r->c, o->col), o->col + 1, other->num,
                s);
    else
        ge_fail(r->err, "%s:%ld: column '%s' (%d): expected a number, got '%.40s'",
                ge_csv_path(r->c), r->line, ge_csv_colname(r->c, o->col), o->col + 1, s);
    return -1;
}

static int eval_cmp(const node *n, const row *r)
{
    const operand *l = &n->l, *rt = &n->r;
    int numeric = l->kind == V_NUM || rt->kind == V_NUM;
    if (!numeric && l->kind == V_COL && rt->kind == V_COL) { /* numbers when both are */
        double a, b;
        const char *x = r->f[l->col], *y = r->f[rt->col];
        if (ge_csv_is_missing(x) || ge_csv_is_missing(y))
            return T_UNKNOWN;
        numeric = ge_csv_number(x, &a) == 0 && ge_csv_number(y, &b) == 0;
    }
    if (numeric) {
        double v[2];
        const operand *ops[2] = {l, rt};
        for (int k = 0; k < 2; k++) {
            if (ops[k]->kind == V_NUM) {
                v[k] = ops[k]->num;
            } else if (ops[k]->kind == V_TEXT) {
                if (ge_csv_number(ops[k]->text, &v[k]))
                    return T_FALSE; /* a number never equals a non-numeric text */
            } else {
                int rc = cell_number(r, ops[k], ops[1 - k], &v[k]);
                if (rc)
                    return rc < 0 ? -1 : T_UNKNOWN;
            }
        }
        if (isnan(v[0]) || isnan(v[1]))
            return T_UNKNOWN;
        return compare(n->op, (v[0] > v[1]) - (v[0] < v[1]));
    }
    const char *s[2];
    const operand *ops[2] = {l, rt};
    for (int k = 0; k < 2; k++)
        s[k] = ops[k]->kind == V_COL ? r->f[ops[k]->col] : ops[k]->text;
    int d = strcmp(s[0], s[1]);
    return compare(n->op, (d > 0) - (d < 0));
}

static int eval_node(const node *n, const row *r)
{
    int a, b;
    switch (n->kind) {
    case N_NOT:
        a = eval_node(n->a, r);
        return a < 0 || a == T_UNKNOWN ? a : !a;
    case N_AND:
        if ((a = eval_node(n->a, r)) < 0 || a == T_FALSE)
            return a;
        if ((b = eval_node(n->b, r)) < 0 || b == T_FALSE)
            return b;
        return a == T_TRUE && b == T_TRUE ? T_TRUE : T_UNKNOWN;
    case N_OR:
        if ((a = eval_node(n->a, r)) < 0 || a == T_TRUE)
            return a;
        if ((b = eval_node(n->b, r)) < 0 || b == T_TRUE)
            return b;
        return a == T_FALSE && b == T_FALSE ? T_FALSE : T_UNKNOWN;
    case N_ISNULL: {
        int null = n->l.kind == V_COL && ge_csv_is_missing(r->f[n->l.col]);
        return null != n->negate;
    }
    default:
        return eval_cmp(n, r);
    }
}

int ge_where_eval(const ge_where *w, const ge_csv *c, char *const *fields, long line,
                  ge_error *err)
{
    row r = {c, fields, line, err};
    int v = eval_node(w->root, &r);
    return v < 0 ? -1 : v == T_TRUE;
}
