/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/* What the fuzzer's op files share (test_dma_plx_fuzz_{ops,ctrl,fast,pci}.c). */

#ifndef TEST_DMA_PLX_FUZZ_OPS_H
#define TEST_DMA_PLX_FUZZ_OPS_H

#include "test_dma_plx_fuzz.h"

/* Return codes as bits, for sets of what is allowed. */
enum {
	R_OK = 1,
	R_EINVAL = 2,
	R_EBUSY = 4,
	R_ENODEV = 8,
	R_ENOSPC = 16,
	R_ENOTSUP = 32,
	R_OTHER = 64,
};

/* return code sets, channel predicates (test_dma_plx_fuzz_ops.c) */
uint32_t fz_rc_bit(int rc);
const char *fz_rc_names(uint32_t m, char *buf, size_t len);
int fz_rc_check(const struct fz_chan *ch, const char *call, int rc,
	uint32_t exp, uint64_t lines);
uint32_t fz_or_ok(uint32_t errs);
bool fz_started(const struct fz_chan *ch);
bool fz_dead(const struct fz_chan *ch);

/* control path (test_dma_plx_fuzz_ctrl.c) */
int fz_op_configure(struct fz_chan *ch, struct fz_rng *r);
int fz_vchan_setup(struct fz_chan *ch, uint32_t nb, uint16_t vchan,
	enum rte_dma_direction dir);
int fz_op_vchan_setup(struct fz_chan *ch, struct fz_rng *r);
int fz_op_start(struct fz_chan *ch);
int fz_op_stop(struct fz_chan *ch, struct fz_rng *r);
int fz_released(struct fz_chan *ch, const char *how);
int fz_op_close(struct fz_chan *ch);
int fz_finish(struct fz_chan *ch);
int fz_op_stats_reset(struct fz_chan *ch);
int fz_op_info(struct fz_chan *ch);

/* fast path (test_dma_plx_fuzz_fast.c) */
int fz_op_copy(struct fz_chan *ch, struct fz_rng *r, bool sg);
int fz_op_burst(struct fz_chan *ch, struct fz_rng *r);
int fz_op_submit(struct fz_chan *ch);
int fz_op_completed(struct fz_chan *ch, struct fz_rng *r, bool with_status);
int fz_op_capacity(struct fz_chan *ch);
int fz_op_drain(struct fz_chan *ch, struct fz_rng *r);
int fz_op_fill(struct fz_chan *ch, struct fz_rng *r);

/* PCI, removal, faults (test_dma_plx_fuzz_pci.c) */
int fz_make_room(struct fz_func *f);
int fz_removed(struct fz_func *f, uint64_t begun);
int fz_op_remove(struct fz_func *f, struct fz_rng *r);
int fz_op_probe(struct fz_func *f);
int fz_op_replug(struct fz_func *f);
int fz_quiesce(struct fz_func *f);
int fz_op_fault(struct fz_func *f, struct fz_rng *r);
int fz_op_clear(struct fz_func *f);
int fz_op_unbind(struct fz_func *f, struct fz_rng *r);

#endif /* TEST_DMA_PLX_FUZZ_OPS_H */
