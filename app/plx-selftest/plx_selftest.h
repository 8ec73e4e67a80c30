/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_SELFTEST_H
#define PLX_SELFTEST_H

/*
 * dpdk-plx-selftest: the hardware bring-up self-test. It drives PEX 87xx
 * DMA functions at register level through the PMD's hardware header
 * (plx_dma_hw.h), not through the PMD, with one check per clause of the
 * contract marked [assumed] (plx_hw.rst, :ref:`plx_hw_verify`).
 *
 *  main.c    EAL, options, the PCI driver of the run, exit status
 *  engine.c  register access, the ring, starting and stopping, memory
 *  checks.c  the checks and their table
 *  latch.c   the check of the START latch, which needs a race
 *  report.c  the table, the JSON file, what a difference means
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_memzone.h>

#include "plx_dma_hw.h"

struct rte_pci_device;

#define ST_MAX_FUNCS	8
#define ST_MAX_CLAUSES	16
#define ST_RING_N	16
#define ST_SEEN_LEN	256

enum st_result {
	ST_PASS,
	ST_DIFFERS,
	ST_SKIPPED,
};

struct st_outcome {
	enum st_result res;
	char seen[ST_SEEN_LEN];
};

/* The registers a run touches, as found, to be put back. */
struct st_saved {
	uint32_t ring_addr;
	uint32_t ring_addr_hi;
	uint32_t ring_next;
	uint32_t ring_count;
	uint32_t pref_limit;
	uint16_t ctrl2;
	uint16_t intr_ctrl;
	uint16_t intr_status;
};

struct st_dev;

/* One assumed clause of the contract and its check. */
struct st_clause {
	const char *id;		/* short name: --only, --expect, JSON */
	const char *label;	/* plx_hw.rst clause */
	const char *assumed;
	const char *if_differs;	/* what it means for dma_plx */
	void (*run)(struct st_dev *d, struct st_outcome *o);
	bool needs_dma;		/* drives the engine (else reads only) */
};

extern const struct st_clause st_clauses[];
extern const unsigned int st_nb_clauses;

/* One DMA function under test. */
struct st_dev {
	struct rte_pci_device *pci;
	char name[32];
	volatile uint8_t *bar;
	uint64_t bar_len;
	uint8_t revision;
	const char *kdrv;
	int numa;
	struct st_saved saved;
	bool saved_valid;
	/* The run's memory: ring and two small buffers, two large ones. */
	const struct rte_memzone *mz[3];
	struct plx_dma_hw_desc *ring;
	uint64_t ring_iova;
	uint8_t *small_src, *small_dst;
	uint64_t small_src_iova, small_dst_iova;
	uint8_t *big_src, *big_dst;
	uint64_t big_src_iova, big_dst_iova;
	size_t big_len;
	/* Learnt by desc-order: write the low words the silicon's way. */
	bool src_word_first;
	/* The low half of the last CTRL write, to tell it from the engine. */
	uint16_t last_ctrl;
	uint32_t ctrl2_code;
	uint64_t timeout_us;
	bool stuck;		/* the engine would not stop: leave it */
	int open_ret;		/* st_dev_open(): 0, or why not */
	bool restored;		/* registers read back as found */
	struct st_outcome *out;	/* one per clause */
};

#define ST_SMALL_LEN	(64 * 1024)

/* --- engine.c --- */
int st_dev_open(struct st_dev *d);
void st_dev_close(struct st_dev *d);
uint32_t st_rd32(const struct st_dev *d, uint32_t off);
void st_wr32(const struct st_dev *d, uint32_t off, uint32_t v);
uint16_t st_rd16(const struct st_dev *d, uint32_t off);
/* A fresh ring of invalid descriptors; CTRL2 code in every 32-bit write. */
void st_ring_program(struct st_dev *d, uint32_t ctrl2_code);
/* Descriptor i, the silicon's word order if known; VALID last. */
void st_desc(struct st_dev *d, unsigned int i, uint64_t src, uint64_t dst,
	uint32_t size, bool valid);
void st_desc_set_valid(struct st_dev *d, unsigned int i);
uint32_t st_desc_flags(const struct st_dev *d, unsigned int i);
uint64_t st_desc_iova(const struct st_dev *d, unsigned int i);
void st_start(struct st_dev *d);
/* CTRL (32 bits) once the engine has answered the last write. */
int st_ctrl_settled(struct st_dev *d, uint32_t *ctrl);
/* Wait for descriptor i's write-back: 0, or -ETIMEDOUT. */
int st_wait_desc(struct st_dev *d, unsigned int i);
/* Wait for the engine to stop (IN_PROGRESS clear): 0 or -ETIMEDOUT. */
int st_wait_stopped(struct st_dev *d, uint32_t *ctrl);
/* A 32-bit command (pause, abort) and the wait for its done bit. */
int st_command(struct st_dev *d, uint32_t cmd, uint32_t done, uint32_t *ctrl);
/* Pause, else abort; ring registers cleared. 0, or -EBUSY (stuck). */
int st_stop(struct st_dev *d);
uint64_t st_now_us(void);
void st_fill(uint8_t *p, size_t len, uint32_t seed);
bool st_is_fill(const uint8_t *p, size_t len, uint32_t seed);
bool st_is_byte(const uint8_t *p, uint8_t v, size_t len);

/* --- checks.c, latch.c --- */
void st_set(struct st_outcome *o, enum st_result r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void st_check_start_latch(struct st_dev *d, struct st_outcome *o);

/* --- report.c --- */
const char *st_result_name(enum st_result r);
void st_report_table(struct st_dev *devs, unsigned int n);
int st_report_json(const char *path, struct st_dev *devs, unsigned int n);

#endif /* PLX_SELFTEST_H */
