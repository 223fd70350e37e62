/* geoembed predict MODEL POINTS [-o OUT]      predictions at points (CSV or
 *                                             any OGR vector format)
 * geoembed predict MODEL --grid OUT [options] the field as a grid */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "commands.h"
#include "contours.h"
#include "display.h"
#include "geoembed/crs.h"
#include "geoembed/csv.h"
#include "geoembed/reproject.h"
#include "geoembed/outfile.h"
#include "covariate_grid.h"
#include "grid.h"
#include "grid_band.h"
#include "inputs.h"
#include "predict_vector.h"
#include "predictor.h"

int cmd_predict(cli_args *a)
{
    int grid = a->val[O_GRID] != NULL;
    if (grid ? a->npos != 1 : a->npos != 2)
        return usage_error("predict", grid ? "with --grid, expected only MODEL"
                                           : "expected MODEL and POINTS (or --grid OUT)");
    /* options of the other mode are refused by options_check */
    ge_error err; /* an output must not destroy an input */
    const char *out = grid ? a->val[O_GRID] : a->val[O_OUTPUT];
    for (int i = 0; i < a->npos; i++)
        if (ge_output_is_input(out, a->pos[i], &err))
            return usage_error("predict", "%s", err.msg);
    if (a->val[O_LIKE] && ge_output_is_input(out, a->val[O_LIKE], &err))
        return usage_error("predict", "%s", err.msg);
    if (cluster_size() > 1 && !grid)
        return runtime_error("predict at points runs on one process; under mpirun only fit and "
                             "predict --grid spread over the processes");
    if (apply_threads(a))
        return EXIT_USAGE;
    grid_spec gs = {0};
    predictor p;
    /* several processes hold the parts of the model their bands read
     * (grid_band.h): first its shape, then their part */
    const int parts = grid && cluster_size() > 1;
    int rc = parts ? predictor_load_skeleton(&p, a->pos[0]) : predictor_load(&p, a->pos[0]);
    if (rc)
        return rc;
    if ((rc = predictor_rules(&p, a))) {
        predictor_free(&p);
        return rc;
    }
    if (grid) {
        rc = grid_spec_resolve(a, &p, &gs);
        if (!rc)
            rc = predictor_covariate_grid(&p, a, &gs);
        if (!rc && gs.csv && cluster_size() > 1)
            rc = usage_error("predict", "a CSV grid is written by one process: under mpirun "
                                        "give --grid a raster (.tif)");
        if (!rc)
            rc = contours_check(a, &p, gs.csv);
        if (!rc && parts)
            rc = grid_band_model(&p, &gs, a->pos[0]);
        if (!rc)
            rc = grid_write(a, &p, &gs);
        grid_spec_free(&gs);
    } else if (ge_is_csv_path(a->pos[1])) {
        rc = predict_points_csv(a, &p);
    } else if ((rc = predict_points_vector(a, &p)) < 0) {
        rc = predict_points_csv(a, &p);
    }
    predictor_free(&p);
    return rc;
}
