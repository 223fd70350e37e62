/* Unit tests of src/core/loss.c: pointwise values and gradients of l1, mse
 * and huber (PyTorch's definitions), and the name table. */
#include <criterion/criterion.h>
#include <math.h>

#include "geoembed/loss.h"

static const ge_loss L1 = {GE_LOSS_L1, 1.0}, MSE = {GE_LOSS_MSE, 1.0},
                     HUBER = {GE_LOSS_HUBER, 1.0}, HUBER2 = {GE_LOSS_HUBER, 2.5};

Test(loss, l1_value_and_grad)
{
    cr_assert_eq(ge_loss_value(&L1, 0.0), 0.0);
    cr_assert_eq(ge_loss_value(&L1, 2.5), 2.5);
    cr_assert_eq(ge_loss_value(&L1, -3.25), 3.25);
    cr_assert_eq(ge_loss_grad(&L1, 2.5), 1.0);
    cr_assert_eq(ge_loss_grad(&L1, 1e-300), 1.0);
    cr_assert_eq(ge_loss_grad(&L1, -3.25), -1.0);
    cr_assert_eq(ge_loss_grad(&L1, -1e-300), -1.0);
    /* PyTorch's sign(): the gradient at 0 is 0 (both zeros) */
    cr_assert_eq(ge_loss_grad(&L1, 0.0), 0.0);
    cr_assert_eq(ge_loss_grad(&L1, -0.0), 0.0);
}

Test(loss, mse_value_and_grad)
{
    cr_assert_eq(ge_loss_value(&MSE, 0.0), 0.0);
    cr_assert_eq(ge_loss_value(&MSE, 3.0), 9.0);
    cr_assert_eq(ge_loss_value(&MSE, -0.5), 0.25);
    cr_assert_eq(ge_loss_grad(&MSE, 3.0), 6.0);
    cr_assert_eq(ge_loss_grad(&MSE, -0.5), -1.0);
    cr_assert_eq(ge_loss_grad(&MSE, 0.0), 0.0);
}

Test(loss, huber_below_at_above_delta)
{
    /* |r| < delta: r^2/2, gradient r */
    cr_assert_eq(ge_loss_value(&HUBER, 0.5), 0.125);
    cr_assert_eq(ge_loss_value(&HUBER, -0.5), 0.125);
    cr_assert_eq(ge_loss_grad(&HUBER, 0.5), 0.5);
    cr_assert_eq(ge_loss_grad(&HUBER, -0.5), -0.5);
    cr_assert_eq(ge_loss_value(&HUBER, 0.0), 0.0);
    cr_assert_eq(ge_loss_grad(&HUBER, 0.0), 0.0);
    /* |r| = delta: both branches agree, delta^2/2, gradient +-delta */
    cr_assert_eq(ge_loss_value(&HUBER, 1.0), 0.5);
    cr_assert_eq(ge_loss_value(&HUBER, -1.0), 0.5);
    cr_assert_eq(ge_loss_grad(&HUBER, 1.0), 1.0);
    cr_assert_eq(ge_loss_grad(&HUBER, -1.0), -1.0);
    /* |r| > delta: delta (|r| - delta/2), gradient delta sign(r) */
    cr_assert_eq(ge_loss_value(&HUBER, 3.0), 2.5);
    cr_assert_eq(ge_loss_value(&HUBER, -3.0), 2.5);
    cr_assert_eq(ge_loss_grad(&HUBER, 3.0), 1.0);
    cr_assert_eq(ge_loss_grad(&HUBER, -3.0), -1.0);
}

Test(loss, huber_other_delta)
{
    cr_assert_eq(ge_loss_value(&HUBER2, 2.0), 2.0);       /* 0.5 * 4 */
    cr_assert_eq(ge_loss_grad(&HUBER2, 2.0), 2.0);
    cr_assert_eq(ge_loss_value(&HUBER2, 2.5), 3.125);     /* at delta */
    cr_assert_eq(ge_loss_value(&HUBER2, 4.0), 6.875);     /* 2.5 * (4 - 1.25) */
    cr_assert_eq(ge_loss_value(&HUBER2, -4.0), 6.875);
    cr_assert_eq(ge_loss_grad(&HUBER2, 4.0), 2.5);
    cr_assert_eq(ge_loss_grad(&HUBER2, -4.0), -2.5);
}

Test(loss, gradients_match_finite_differences)
{
    /* away from the kinks, l'(r) = (l(r+h) - l(r-h)) / 2h */
    const ge_loss *ls[] = {&L1, &MSE, &HUBER, &HUBER2};
    const double rs[] = {-7.3, -2.6, -1.2, -0.8, -0.1, 0.2, 0.9, 1.1, 2.4, 2.6, 9.0};
    const double h = 1e-6;
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < (int)(sizeof rs / sizeof *rs); i++) {
            double r = rs[i];
            double fd = (ge_loss_value(ls[k], r + h) - ge_loss_value(ls[k], r - h)) / (2 * h);
            double g = ge_loss_grad(ls[k], r);
            cr_assert(fabs(fd - g) <= 1e-7 * (1 + fabs(g)), "%s at %g: grad %.17g fd %.17g",
                      ge_loss_name(ls[k]->kind), r, g, fd);
        }
}

Test(loss, huber_is_continuous_at_delta)
{
    const double d = 1.0;
    double below = ge_loss_value(&HUBER, nextafter(d, 0)), above = ge_loss_value(&HUBER, nextafter(d, 2));
    cr_assert(fabs(below - 0.5) < 1e-15 && fabs(above - 0.5) < 1e-15);
    cr_assert(fabs(ge_loss_grad(&HUBER, nextafter(d, 0)) - 1.0) < 1e-15);
    cr_assert_eq(ge_loss_grad(&HUBER, nextafter(d, 2)), 1.0);
}

Test(loss, names_round_trip)
{
    cr_assert_str_eq(ge_loss_name(GE_LOSS_L1), "l1");
    cr_assert_str_eq(ge_loss_name(GE_LOSS_MSE), "mse");
    cr_assert_str_eq(ge_loss_name(GE_LOSS_HUBER), "huber");
    cr_assert_eq(ge_loss_parse("l1"), GE_LOSS_L1);
    cr_assert_eq(ge_loss_parse("mse"), GE_LOSS_MSE);
    cr_assert_eq(ge_loss_parse("huber"), GE_LOSS_HUBER);
    for (int k = 0; k < 3; k++)
        cr_assert_eq(ge_loss_parse(ge_loss_name((ge_loss_kind)k)), k);
    cr_assert_eq(ge_loss_parse(""), -1);
    cr_assert_eq(ge_loss_parse("L1"), -1);
    cr_assert_eq(ge_loss_parse("mse "), -1);
    cr_assert_eq(ge_loss_parse("smooth_l1"), -1);
    cr_assert_eq(ge_loss_parse("hub"), -1);
    cr_assert_str_eq(ge_loss_name((ge_loss_kind)7), "?");
}
