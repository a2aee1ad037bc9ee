/* SPDX-License-Identifier: MIT */
/* geocl: 3D-aware self-supervised pre-training of vision models on OpenCL
 * devices.  This header includes the whole public API: the runtime (context,
 * tensors, ops, autograd, op-api and custom-op for new ops, op-check to test
 * them, backend-api for backends),
 * parameters and optimisers, files and data, the layers library, plugins,
 * models and the trainer. */
#ifndef GEOCL_H
#define GEOCL_H

#include <geocl/assignment.h>
#include <geocl/augment.h>
#include <geocl/batch.h>
#include <geocl/autograd.h>
#include <geocl/backend-api.h>
#include <geocl/backbone.h>
#include <geocl/backend-kernels.h>
#include <geocl/config.h>
#include <geocl/context.h>
#include <geocl/conv.h>
#include <geocl/custom-op.h>
#include <geocl/data.h>
#include <geocl/dense_loss.h>
#include <geocl/dense_metrics.h>
#include <geocl/densemap.h>
#include <geocl/dpt.h>
#include <geocl/dist.h>
#include <geocl/fileio.h>
#include <geocl/image.h>
#include <geocl/kitti.h>
#include <geocl/layers.h>
#include <geocl/log.h>
#include <geocl/model.h>
#include <geocl/op-api.h>
#include <geocl/op-check.h>
#include <geocl/ops.h>
#include <geocl/optim.h>
#include <geocl/pairs.h>
#include <geocl/picture.h>
#include <geocl/params.h>
#include <geocl/plugin.h>
#include <geocl/pointnet2.h>
#include <geocl/resnet.h>
#include <geocl/rng.h>
#include <geocl/safetensors.h>
#include <geocl/schedule.h>
#include <geocl/status.h>
#include <geocl/synth.h>
#include <geocl/tensor.h>
#include <geocl/tiled.h>
#include <geocl/timing.h>
#include <geocl/train.h>
#include <geocl/version.h>
#include <geocl/visualize.h>
#include <geocl/vit.h>

#endif
