/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * What the functional tests of dma_plx (test_dma_plx*.c) share: the four
 * simulated functions and what each is for, DPDK buffers, the channel of
 * a function (struct plx_test_chan, test_plx_chan.h) and its steps, the
 * hot-plug steps and the clean-up after each test.
 */

#ifndef TEST_DMA_PLX_H
#define TEST_DMA_PLX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_dmadev.h>

#include "test_plx_common.h"

#define NB_FUNCS	4
#define PCI_FMT		"0000:03:00.%u"
#define DATA_IDX	0	/* 0000:03:00.1 */
#define RING_IDX	1	/* 0000:03:00.2 */
#define DEVARGS_IDX	2	/* 0000:03:00.3 */
#define FAST_IDX	3	/* 0000:03:00.4, stop_timeout_ms=50 */
#define FAST_ARGS	"stop_timeout_ms=50"
/* Longest wait without progress. */
#define WAIT_US		(2 * 1000 * 1000)
#define IOVA_BIT48	(UINT64_C(1) << 48)

/* The simulated switch, or NULL without dpdk-plx-sim. */
extern struct plx_sim *sim;

/* The tests, in the order they run (each table ends with PLX_TEST_END). */
extern const struct plx_test dma_plx_copy_tests[];	/* _copy.c */
extern const struct plx_test dma_plx_stop_tests[];	/* _stop.c */
extern const struct plx_test dma_plx_input_tests[];	/* _input.c */
extern const struct plx_test dma_plx_sg_tests[];	/* _sg.c */
extern const struct plx_test dma_plx_hostile_tests[];	/* _hostile.c */

/* --- buffers --- */

struct xfer {
	rte_iova_t src;
	rte_iova_t dst;
	uint32_t len;
};

/* IOVA of any byte of DPDK memory; never assumes IOVA == VA. */
rte_iova_t iova(const void *p);
/* IOVA-contiguous buffer, freed by cleanup() after the test. */
uint8_t *buf_alloc(size_t len);
uint32_t rnd_next(uint32_t *x);
void fill_pattern(uint8_t *p, size_t len, uint32_t seed);
/*
 * region (region_len bytes) holds len bytes of src at off and GUARD
 * everywhere else; len 0 checks the region is untouched.
 */
int verify_copy(const uint8_t *src, const uint8_t *region, size_t off,
	size_t len, size_t region_len);

/* --- the channel of function idx (0: 0000:03:00.1) --- */

void func_name(unsigned int idx, char *buf, size_t len);
int chan_get(struct plx_test_chan *d, unsigned int idx);
/* Start a configured channel: the ids begin again at 0. */
int chan_restart(struct plx_test_chan *d);
/* Function idx's dmadev, stopped, with nothing left to collect. */
int chan_stopped(struct plx_test_chan *d, unsigned int idx);
/* Configure function idx with one vchan of nb_desc descriptors. */
int chan_setup(struct plx_test_chan *d, unsigned int idx, uint16_t nb_desc);
/* chan_setup(), then start. */
int chan_start(struct plx_test_chan *d, unsigned int idx, uint16_t nb_desc);
/* A copy the PMD must accept, with the next id. */
int enqueue(struct plx_test_chan *d, rte_iova_t src, rte_iova_t dst,
	uint32_t len, uint64_t flags);
/* Enqueue n copies (as many at a time as the ring takes) and wait. */
int run_copies(struct plx_test_chan *d, const struct xfer *x, unsigned int n);
/* A few verified copies: the channel works. */
int smoke_copy(struct plx_test_chan *d);

/* --- hot-plug --- */

int remove_func(unsigned int idx);
/* Probe function idx with devargs args (or none); expect it to work or not. */
int probe_func(unsigned int idx, const char *args, bool expect_ok);
/* Remove, power-cycle in the simulator, probe again with args. */
int reprobe(unsigned int idx, const char *args);
/* FAST_IDX with a 50 ms stop timeout, started with nb_desc descriptors. */
int fast_start(struct plx_test_chan *d, uint16_t nb_desc);

/*
 * After each test, whatever happened: faults off, every function present,
 * stopped, drained and usable, buffers freed.
 */
void cleanup(void);

#endif /* TEST_DMA_PLX_H */
