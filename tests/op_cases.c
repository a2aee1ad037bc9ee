/* SPDX-License-Identifier: MIT */
/* The case tables run by check_backend_ops and check_gradients. */
#include "op_harness.h"

extern const op_case cases_shape[];
extern const op_case cases_elementwise[];
extern const op_case cases_reduce[];
extern const op_case cases_linear[];
extern const op_case cases_norm[];
extern const op_case cases_tokens[];
extern const op_case cases_attention[];
extern const op_case cases_loss[];
extern const op_case cases_fft[];
extern const op_case cases_conv[];
extern const op_case cases_batchnorm[];
extern const op_case cases_resample[];
extern const op_case cases_points[];

const op_case *const op_case_tables[] = {
    cases_shape,
    cases_elementwise,
    cases_reduce,
    cases_linear,
    cases_norm,
    cases_tokens,
    cases_attention,
    cases_loss,
    cases_fft,
    cases_conv,
    cases_batchnorm,
    cases_resample,
    cases_points,
    NULL,
};
