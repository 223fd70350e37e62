# bench/covariates: R's side. Writes the meuse data that the sp package ships
# (with a fold column: 5 seeded random folds), then for each fold fits a
# variogram to the training residuals and predicts the held-out samples by
# ordinary kriging (zinc ~ 1) and universal kriging (zinc ~ dist + elev).
# Usage: Rscript uk.R DIR   (writes DIR/meuse.csv and DIR/gstat.csv)
suppressMessages({ library(sp); library(gstat) })
dir <- commandArgs(trailingOnly = TRUE)[1]
data(meuse)
set.seed(1)
meuse$fold <- sample(rep(1:5, length.out = nrow(meuse)))
write.csv(meuse[, c("x", "y", "zinc", "dist", "elev", "soil", "fold")],
          file.path(dir, "meuse.csv"), row.names = FALSE, quote = FALSE)
coordinates(meuse) <- ~x + y
out <- data.frame()
for (k in 1:5) {
  tr <- meuse[meuse$fold != k, ]
  te <- meuse[meuse$fold == k, ]
  one <- function(f) {
    v <- variogram(f, tr)
    m <- fit.variogram(v, vgm(psill = var(tr$zinc) * 0.7, "Sph", range = 800,
                              nugget = var(tr$zinc) * 0.1))
    krige(f, tr, te, model = m, debug.level = 0)$var1.pred
  }
  out <- rbind(out, data.frame(row = which(meuse$fold == k), fold = k,
                               zinc = te$zinc, ok = one(zinc ~ 1),
                               uk = one(zinc ~ dist + elev)))
}
write.csv(out[order(out$row), ], file.path(dir, "gstat.csv"), row.names = FALSE, quote = FALSE)
