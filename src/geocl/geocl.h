/* SPDX-License-Identifier: MIT */
/* geocl: 3D-aware self-supervised pre-training of vision models on OpenCL
 * devices.  Include this header for the whole public API. */
#ifndef GEOCL_H
#define GEOCL_H

#include <geocl/augment.h>
#include <geocl/autograd.h>
#include <geocl/backend-api.h>
#include <geocl/context.h>
#include <geocl/fileio.h>
#include <geocl/image.h>
#include <geocl/kitti.h>
#include <geocl/log.h>
#include <geocl/ops.h>
#include <geocl/optim.h>
#include <geocl/params.h>
#include <geocl/pair_loader.h>
#include <geocl/pairs.h>
#include <geocl/rng.h>
#include <geocl/safetensors.h>
#include <geocl/schedule.h>
#include <geocl/status.h>
#include <geocl/synth.h>
#include <geocl/tensor.h>
#include <geocl/timing.h>
#include <geocl/version.h>

#endif
