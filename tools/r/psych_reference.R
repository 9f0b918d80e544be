#!/usr/bin/env Rscript
# Reference values for natsam_analysis.metrics.reliability, computed by R's psych package (Revelle).
#
# Writes tests/fixtures/psych_reference/: one CSV of item data per scale (already reverse-coded, rows
# with missing answers kept as empty cells) and reference.json with, per scale, psych's raw_alpha,
# omega total from one factor and r.drop, all on the complete cases, plus the versions of R, psych,
# psychTools and GPArotation that made them. The unit tests compare against these committed numbers
# and never need R.
#
# Re-run from the project root (Debian packages: apt-get install -y --no-install-recommends
# r-base-core r-cran-psych r-cran-psychtools r-cran-gparotation):
#
#     Rscript tools/r/psych_reference.R
#
# What psych is asked (matching the Python functions, which leave out incomplete rows):
#   alpha(x)$total$raw_alpha  and  alpha(x)$item.stats$r.drop   with x = na.omit(items)
#   omega(x, nfactors = 1, fm = "minres", plot = FALSE)$omega.tot
# psych::alpha's own default for missing answers is pairwise covariances; that value is recorded too
# (raw_alpha_pairwise, on all rows) for information only.

suppressPackageStartupMessages({
  library(psych)
  library(psychTools)
  library(GPArotation)
})

out_dir <- file.path("tests", "fixtures", "psych_reference")
if (!dir.exists(out_dir)) {
  stop("run from the project root: ", out_dir, " not found")
}

reverse <- function(x, min, max) (min + max) - x

data(bfi, package = "psychTools")
data(epi, package = "psychTools")
data(msq, package = "psychTools")

# psych's own bfi examples reverse the keyed items with reverse.code on the 1-6 scale (7 - x).
bfi_scale <- function(keys) {
  items <- sub("^-", "", keys)
  x <- bfi[, items]
  for (k in keys[startsWith(keys, "-")]) {
    item <- sub("^-", "", k)
    x[[item]] <- reverse(x[[item]], 1, 6)
  }
  x
}

scales <- list(
  list(name = "bfi_agree", dataset = "psychTools::bfi", keys = bfi.keys$agree,
       scale = "1-6", x = bfi_scale(bfi.keys$agree)),
  list(name = "bfi_conscientious", dataset = "psychTools::bfi", keys = bfi.keys$conscientious,
       scale = "1-6", x = bfi_scale(bfi.keys$conscientious)),
  list(name = "bfi_extraversion", dataset = "psychTools::bfi", keys = bfi.keys$extraversion,
       scale = "1-6", x = bfi_scale(bfi.keys$extraversion)),
  list(name = "bfi_neuroticism", dataset = "psychTools::bfi", keys = bfi.keys$neuroticism,
       scale = "1-6", x = bfi_scale(bfi.keys$neuroticism)),
  list(name = "bfi_openness", dataset = "psychTools::bfi", keys = bfi.keys$openness,
       scale = "1-6", x = bfi_scale(bfi.keys$openness))
)

# EPI neuroticism: 24 yes/no items (0/1), all keyed positively.
scales[[length(scales) + 1]] <- list(name = "epi_neuroticism", dataset = "psychTools::epi",
                                     keys = epi.keys$N, scale = "0-1", x = epi[, epi.keys$N])

# MSQ energetic arousal (Thayer): 0-3 mood ratings, sleepy/tired/drowsy reversed (3 - x).
ea_keys <- c("active", "energetic", "vigorous", "wakeful", "wide.awake", "full.of.pep", "lively",
             "-sleepy", "-tired", "-drowsy")
ea <- msq[, sub("^-", "", ea_keys)]
for (k in ea_keys[startsWith(ea_keys, "-")]) {
  item <- sub("^-", "", k)
  ea[[item]] <- reverse(ea[[item]], 0, 3)
}
scales[[length(scales) + 1]] <- list(name = "msq_energetic_arousal", dataset = "psychTools::msq",
                                     keys = ea_keys, scale = "0-3", x = ea)

# Two tiny made-up scales (no missing values) where one item loads above 1 (a Heywood case): the
# minres fit ends on its bounds there, the one place where the optimisers of R and scipy may part.
scales[[length(scales) + 1]] <- list(
  name = "tiny_heywood_3", dataset = "made up for the tests", keys = c("a", "b", "c"), scale = "1-5",
  x = data.frame(a = c(1, 2, 3, 4, 5), b = c(2, 1, 4, 3, 5), c = c(1, 3, 2, 5, 4)))
scales[[length(scales) + 1]] <- list(
  name = "tiny_heywood_4", dataset = "made up for the tests", keys = c("q1", "q2", "q3", "q4"),
  scale = "1-5", x = data.frame(q1 = c(1, 2, 3, 4, 5, 3), q2 = c(2, 2, 3, 5, 4, 3),
                                q3 = c(1, 3, 3, 4, 4, 2), q4 = c(2, 1, 3, 4, 5, 4)))

num <- function(v) sprintf("%.17g", v)
str_json <- function(s) paste0('"', gsub('"', '\\\\"', s), '"')
named_numbers <- function(values, names) {
  paste0("{", paste0(str_json(names), ": ", num(values), collapse = ", "), "}")
}
string_array <- function(s) paste0("[", paste0(str_json(s), collapse = ", "), "]")

entries <- character(0)
for (s in scales) {
  x <- as.data.frame(s$x)
  file <- paste0(s$name, ".csv")
  write.csv(x, file.path(out_dir, file), row.names = FALSE, na = "")
  complete <- na.omit(x)
  a <- psych::alpha(complete, check.keys = FALSE, warnings = FALSE)
  a_pairwise <- psych::alpha(x, check.keys = FALSE, warnings = FALSE)
  o <- suppressMessages(suppressWarnings(
    psych::omega(complete, nfactors = 1, fm = "minres", plot = FALSE)))
  sl <- o$schmid$sl
  entries <- c(entries, paste0(
    "    ", str_json(s$name), ": {\n",
    "      \"dataset\": ", str_json(s$dataset), ",\n",
    "      \"file\": ", str_json(file), ",\n",
    "      \"keys\": ", string_array(s$keys), ",\n",
    "      \"response_scale\": ", str_json(s$scale), ",\n",
    "      \"items\": ", string_array(colnames(x)), ",\n",
    "      \"n_rows\": ", nrow(x), ",\n",
    "      \"n_complete\": ", nrow(complete), ",\n",
    "      \"raw_alpha\": ", num(a$total$raw_alpha), ",\n",
    "      \"raw_alpha_pairwise\": ", num(a_pairwise$total$raw_alpha), ",\n",
    "      \"omega_tot\": ", num(o$omega.tot), ",\n",
    "      \"loadings\": ", named_numbers(sl[, 1], colnames(x)), ",\n",
    "      \"r_drop\": ", named_numbers(a$item.stats$r.drop, colnames(x)), "\n",
    "    }"))
}

json <- paste0(
  "{\n",
  "  \"generated_by\": \"tools/r/psych_reference.R\",\n",
  "  \"r_version\": ", str_json(R.version.string), ",\n",
  "  \"psych_version\": ", str_json(as.character(packageVersion("psych"))), ",\n",
  "  \"psychTools_version\": ", str_json(as.character(packageVersion("psychTools"))), ",\n",
  "  \"GPArotation_version\": ", str_json(as.character(packageVersion("GPArotation"))), ",\n",
  "  \"calls\": {\n",
  "    \"raw_alpha\": \"psych::alpha(na.omit(x), check.keys = FALSE)$total$raw_alpha\",\n",
  "    \"raw_alpha_pairwise\": \"psych::alpha(x, check.keys = FALSE)$total$raw_alpha ",
  "(psych's default, pairwise; information only)\",\n",
  "    \"omega_tot\": \"psych::omega(na.omit(x), nfactors = 1, fm = 'minres')$omega.tot\",\n",
  "    \"loadings\": \"psych::omega(...)$schmid$sl[, 1] (one-factor minres loadings)\",\n",
  "    \"r_drop\": \"psych::alpha(na.omit(x), check.keys = FALSE)$item.stats$r.drop\"\n",
  "  },\n",
  "  \"scales\": {\n",
  paste(entries, collapse = ",\n"), "\n",
  "  }\n",
  "}\n")
writeLines(json, file.path(out_dir, "reference.json"), sep = "")
cat("wrote", length(scales), "scales to", out_dir, "\n")
