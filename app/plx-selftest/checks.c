/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The checks, one per clause of the contract marked [assumed], each built
 * so that the other answer the silicon might give shows as such, not as
 * a mere failure. Each programs a fresh ring of its own, moves only the
 * run's own buffers, waits at most st_dev.timeout_us for anything, and
 * stops the engine before it returns.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "plx_selftest.h"

#define ST_OUTCOME_MASK	(PLX_DESC_VALID | PLX_DESC_WB_SUCCESS | \
			 PLX_DESC_WB_READ_FAIL | PLX_DESC_WB_WRITE_FAIL)
#define ST_DST_FILL	0x5a

void
st_set(struct st_outcome *o, enum st_result r, const char *fmt, ...)
{
	va_list ap;

	o->res = r;
	va_start(ap, fmt);
	vsnprintf(o->seen, sizeof(o->seen), fmt, ap);
	va_end(ap);
}

/* A written-back flags word in words. */
static const char *
wb_str(uint32_t wb, char *buf, size_t len)
{
	const char *what = (wb & PLX_DESC_VALID) ? "still VALID" :
		(wb & PLX_DESC_WB_SUCCESS) ? "SUCCESS" :
		(wb & PLX_DESC_WB_READ_FAIL) ? "READ_FAIL" :
		(wb & PLX_DESC_WB_WRITE_FAIL) ? "WRITE_FAIL" : "no outcome bit";

	snprintf(buf, len, "%s, count %u (0x%08x)", what,
		wb & PLX_DESC_SIZE_MASK, wb);
	return buf;
}

/* Descriptor 0 alone, size bytes between the small buffers, written back. */
static int
st_run_small(struct st_dev *d, struct st_outcome *o, uint32_t code,
		uint32_t size, uint32_t *wb)
{
	st_fill(d->small_src, ST_SMALL_LEN, code);
	memset(d->small_dst, ST_DST_FILL, ST_SMALL_LEN);
	st_ring_program(d, code);
	st_desc(d, 0, d->small_src_iova, d->small_dst_iova, size, true);
	st_start(d);
	if (st_wait_desc(d, 0) != 0) {
		st_set(o, ST_DIFFERS, "descriptor not written back within "
			"%" PRIu64 " ms", d->timeout_us / 1000);
		st_stop(d);
		return -ETIMEDOUT;
	}
	*wb = st_desc_flags(d, 0);
	return 0;
}

static void
check_bar0_size(struct st_dev *d, struct st_outcome *o)
{
	if (d->bar_len == 0x1000)
		st_set(o, ST_PASS, "4096 bytes");
	else if (d->bar_len < PLX_BAR0_MIN_LEN)
		st_set(o, ST_DIFFERS, "%" PRIu64 " bytes, short of the "
			"registers (0x%x): dma_plx refuses it", d->bar_len,
			PLX_BAR0_MIN_LEN);
	else
		st_set(o, ST_DIFFERS, "%" PRIu64 " bytes (enough for the "
			"registers)", d->bar_len);
}

/* Copy between two distinct buffers and see which one the engine wrote. */
static void
check_desc_order(struct st_dev *d, struct st_outcome *o)
{
	const uint32_t len = 256;
	bool dst_new, src_kept, src_over, dst_kept;
	char buf[64];
	uint32_t wb;

	if (st_run_small(d, o, 0, len, &wb) != 0)
		return;
	st_stop(d);
	dst_new = st_is_fill(d->small_dst, len, 0);
	src_kept = st_is_fill(d->small_src, len, 0);
	src_over = st_is_byte(d->small_src, ST_DST_FILL, len);
	dst_kept = st_is_byte(d->small_dst, ST_DST_FILL, len);
	if (!(wb & PLX_DESC_WB_SUCCESS))
		st_set(o, ST_DIFFERS, "the copy failed: %s",
			wb_str(wb, buf, sizeof(buf)));
	else if (dst_new && src_kept)
		st_set(o, ST_PASS, "the destination got the source's bytes");
	else if (src_over && dst_kept) {
		st_set(o, ST_DIFFERS, "the source got the destination's "
			"bytes: the source word comes first (Apple's layout)");
		/* The other checks write descriptors the silicon's way. */
		d->src_word_first = true;
	} else
		st_set(o, ST_DIFFERS, "neither buffer as a copy leaves it "
			"(destination %02x %02x.., source %02x %02x..)",
			d->small_dst[0], d->small_dst[1], d->small_src[0],
			d->small_src[1]);
}

static void
check_writeback_count(struct st_dev *d, struct st_outcome *o)
{
	const uint32_t len = 4096 + 123;
	uint32_t wb, count;
	char buf[64];

	if (st_run_small(d, o, 0, len, &wb) != 0)
		return;
	st_stop(d);
	count = wb & PLX_DESC_SIZE_MASK;
	if (!(wb & PLX_DESC_WB_SUCCESS) ||
			!st_is_fill(d->small_dst, len, 0))
		st_set(o, ST_DIFFERS, "the copy of %u bytes failed: %s", len,
			wb_str(wb, buf, sizeof(buf)));
	else if (count == len)
		st_set(o, ST_PASS, "%u after a copy of %u bytes: bytes moved",
			count, len);
	else if (count == 0)
		st_set(o, ST_DIFFERS, "0 after a full copy of %u bytes: the "
			"count is the residue (bytes not moved)", len);
	else
		st_set(o, ST_DIFFERS, "%u after a full copy of %u bytes",
			count, len);
}

static void
check_size0(struct st_dev *d, struct st_outcome *o)
{
	uint32_t wb;
	char buf[64];

	if (st_run_small(d, o, 0, 0, &wb) != 0)
		return;
	st_stop(d);
	if (!st_is_byte(d->small_dst, ST_DST_FILL, ST_SMALL_LEN))
		st_set(o, ST_DIFFERS, "the destination was written: %s",
			wb_str(wb, buf, sizeof(buf)));
	else if ((wb & ST_OUTCOME_MASK) == PLX_DESC_WB_READ_FAIL &&
			(wb & PLX_DESC_SIZE_MASK) == 0)
		st_set(o, ST_PASS, "READ_FAIL, 0 bytes");
	else
		st_set(o, ST_DIFFERS, "%s", wb_str(wb, buf, sizeof(buf)));
}

/*
 * A failing descriptor, then a good one. The only failure the run can
 * cause without an address the IOMMU refuses is a 0-byte descriptor.
 */
static void
check_after_error(struct st_dev *d, struct st_outcome *o)
{
	uint32_t wb, ctrl, next;
	char buf[64];

	st_fill(d->small_src, ST_SMALL_LEN, 1);
	memset(d->small_dst, ST_DST_FILL, ST_SMALL_LEN);
	st_ring_program(d, 0);
	st_desc(d, 0, d->small_src_iova, d->small_dst_iova, 0, true);
	st_desc(d, 1, d->small_src_iova, d->small_dst_iova, 64, true);
	st_start(d);
	if (st_wait_desc(d, 0) != 0) {
		st_set(o, ST_DIFFERS, "the 0-byte descriptor was not written "
			"back within %" PRIu64 " ms", d->timeout_us / 1000);
		st_stop(d);
		return;
	}
	wb = st_desc_flags(d, 0);
	if (wb & PLX_DESC_WB_SUCCESS) {
		st_set(o, ST_SKIPPED, "a 0-byte descriptor succeeds here "
			"(size0), the only failure the run can cause safely");
		st_stop(d);
		return;
	}
	if (st_wait_stopped(d, &ctrl) != 0) {
		st_set(o, ST_DIFFERS, "the engine did not stop after the "
			"ring (CTRL 0x%08x)", ctrl);
		st_stop(d);
		return;
	}
	/* Stopped: whatever it did to descriptor 1 is done. */
	wb = st_desc_flags(d, 1);
	next = st_rd32(d, PLX_REG_DESC_RING_NEXT_ADDR);
	st_stop(d);
	if ((wb & ST_OUTCOME_MASK) == PLX_DESC_WB_SUCCESS &&
			st_is_fill(d->small_dst, 64, 1))
		st_set(o, ST_PASS, "the next descriptor ran");
	else if (wb & PLX_DESC_VALID)
		st_set(o, ST_DIFFERS, "the engine stopped after the failed "
			"descriptor (CTRL 0x%08x, NEXT_ADDR at descriptor %d), "
			"the next one left valid", ctrl,
			(int)((next - (uint32_t)d->ring_iova) /
				sizeof(struct plx_dma_hw_desc)));
	else
		st_set(o, ST_DIFFERS, "the next descriptor: %s",
			wb_str(wb, buf, sizeof(buf)));
}

/* Three descriptors of distinct sizes; the registers name the third. */
static void
check_last_regs(struct st_dev *d, struct st_outcome *o)
{
	static const uint32_t sizes[] = { 111, 222, 333 };
	uint32_t ctrl, addr, size, want = (uint32_t)st_desc_iova(d, 2);
	unsigned int i;

	st_fill(d->small_src, ST_SMALL_LEN, 2);
	st_ring_program(d, 0);
	for (i = 0; i < RTE_DIM(sizes); i++)
		st_desc(d, i, d->small_src_iova + i * 1024,
			d->small_dst_iova + i * 1024, sizes[i], true);
	st_start(d);
	if (st_wait_desc(d, 2) != 0 || st_wait_stopped(d, &ctrl) != 0) {
		st_set(o, ST_DIFFERS, "the ring did not complete within "
			"%" PRIu64 " ms", d->timeout_us / 1000);
		st_stop(d);
		return;
	}
	addr = st_rd32(d, PLX_REG_DESC_RING_LAST_ADDR);
	size = st_rd32(d, PLX_REG_DESC_RING_LAST_SIZE);
	st_stop(d);
	if (addr == want && size == sizes[2])
		st_set(o, ST_PASS, "LAST_ADDR 0x%08x (the third descriptor), "
			"LAST_SIZE %u", addr, size);
	else
		st_set(o, ST_DIFFERS, "LAST_ADDR 0x%08x (the third "
			"descriptor is 0x%08x), LAST_SIZE 0x%x (its size %u)",
			addr, want, size, sizes[2]);
}

/* Pause, then abort, a running engine: IMM_PAUSE_DONE with either? */
static void
check_imm_pause_done(struct st_dev *d, struct st_outcome *o)
{
	static const struct {
		uint32_t cmd, done;
		const char *name;
	} cmds[] = {
		{ PLX_CTRL_GRACEFUL_PAUSE, PLX_CTRL_GRACEFUL_PAUSE_DONE,
		  "graceful pause" },
		{ PLX_CTRL_ABORT, PLX_CTRL_ABORT_DONE, "abort" },
	};
	char set[96] = "";
	unsigned int i;
	uint32_t ctrl;
	size_t n = 0;

	for (i = 0; i < RTE_DIM(cmds); i++) {
		st_ring_program(d, 0);
		st_desc(d, 0, d->big_src_iova, d->big_dst_iova,
			(uint32_t)d->big_len, true);
		st_start(d);
		if (st_ctrl_settled(d, &ctrl) != 0 ||
				st_command(d, cmds[i].cmd, cmds[i].done,
					&ctrl) != 0) {
			st_set(o, ST_DIFFERS, "the %s did not complete "
				"(CTRL 0x%08x)", cmds[i].name, ctrl);
			st_stop(d);
			return;
		}
		if (ctrl & PLX_CTRL_IMM_PAUSE_DONE)
			n += snprintf(set + n, sizeof(set) - n, "%s%s",
				n ? " and " : "", cmds[i].name);
		if (st_stop(d) != 0)
			return;
	}
	if (n == 0)
		st_set(o, ST_PASS, "clear after a graceful pause and after "
			"an abort");
	else
		st_set(o, ST_DIFFERS, "set by the %s", set);
}

static const char *
txfr_name(uint32_t code)
{
	static const char * const names[] = {
		"64 B", "128 B", "256 B", "512 B", "1 KiB", "2 KiB", "?", "4 B",
	};

	return names[code & PLX_CTRL2_MAX_TXFR_MASK];
}

/* Every code: a copy of many transfers, its data, CTRL2 read back. */
static void
check_max_txfr(struct st_dev *d, struct st_outcome *o)
{
	static const uint32_t codes[] = {
		PLX_CTRL2_MAX_TXFR_64B, PLX_CTRL2_MAX_TXFR_128B,
		PLX_CTRL2_MAX_TXFR_256B, PLX_CTRL2_MAX_TXFR_512B,
		PLX_CTRL2_MAX_TXFR_1KB, PLX_CTRL2_MAX_TXFR_2KB,
		PLX_CTRL2_MAX_TXFR_4B,
	};
	const uint32_t len = 16 * 1024 + 3;
	char bad[ST_SEEN_LEN] = "", buf[64];
	unsigned int i, nb_bad = 0;
	size_t n = 0;

	for (i = 0; i < RTE_DIM(codes); i++) {
		uint32_t wb, back;

		if (st_run_small(d, o, codes[i], len, &wb) != 0)
			return;
		back = st_rd16(d, PLX_REG_CTRL2) & PLX_CTRL2_MAX_TXFR_MASK;
		if (st_stop(d) != 0)
			return;
		if ((wb & ST_OUTCOME_MASK) == PLX_DESC_WB_SUCCESS &&
				st_is_fill(d->small_dst, len, codes[i]) &&
				back == codes[i])
			continue;
		nb_bad++;
		n += snprintf(bad + n, sizeof(bad) - n, "%s%u (%s): %s",
			n ? "; " : "", codes[i], txfr_name(codes[i]),
			back != codes[i] ? "reads back other" :
			!(wb & PLX_DESC_WB_SUCCESS) ?
				wb_str(wb, buf, sizeof(buf)) : "data wrong");
		if (n >= sizeof(bad))
			n = sizeof(bad) - 1;
	}
	if (nb_bad == 0)
		st_set(o, ST_PASS, "codes 0-5 and 7 each copy %u bytes", len);
	else
		st_set(o, ST_DIFFERS, "%s", bad);
}

const struct st_clause st_clauses[] = {
	{ "bar0-size", "plx_hw_bar0",
	  "BAR0 is 4 KiB (the model's; dma_plx needs 0x240 bytes)",
	  "nothing while BAR0 reaches 0x240 bytes: dma_plx maps what there "
	  "is; a shorter one it refuses at probe. Safe. The model's size "
	  "(PLX_BAR0_SIM_LEN) follows the silicon.",
	  check_bar0_size, false },
	{ "desc-order", "plx_hw_descriptor",
	  "destination low word at byte 8, source at byte 12 (Linux)",
	  "NOT SAFE as it is: every copy of dma_plx runs backwards, over "
	  "the source, and is reported successful. Give every function "
	  "the devarg src_first=1, which writes the source word first.",
	  check_desc_order, true },
	{ "writeback-count", "plx_hw_writeback",
	  "bits 0-26 of a written-back descriptor count the bytes moved",
	  "nothing in dma_plx while it reads only the outcome bits; one "
	  "that takes a count short of the size as a failure reports every "
	  "copy failed (safe, unusable) until it reads the count as the "
	  "residue. The model's write-back and its tests change.",
	  check_writeback_count, true },
	{ "size0", "plx_hw_writeback",
	  "a 0-byte descriptor is written back READ_FAIL, 0 bytes",
	  "nothing in dma_plx, which refuses a length of 0 (-EINVAL). "
	  "Safe. The model and its tests change.",
	  check_size0, true },
	{ "after-error", "plx_hw_start",
	  "the engine goes on after a failed descriptor",
	  "a failed copy stops the engine: the operations after it are "
	  "never written back. Safe for memory (rte_dma_stop() reports "
	  "them not done, none as a success), but without the detection "
	  "of an engine halted after a failure, rte_dma_completed() waits "
	  "for them until the application stops the channel.",
	  check_after_error, true },
	{ "last-regs", "plx_hw_registers",
	  "DESC_RING_LAST_ADDR/LAST_SIZE hold the address and size of the "
	  "last descriptor processed",
	  "only what rte_dma_dump() prints under LAST_ADDR. Safe.",
	  check_last_regs, true },
	{ "imm-pause-done", "plx_hw_imm_pause_done",
	  "IMM_PAUSE_DONE stays clear after a graceful pause or an abort",
	  "dma_plx tells its own pending CTRL write from the engine's "
	  "answer by the whole value, not by this bit, so stop and "
	  "removal work. Safe; the contract page's rule changes.",
	  check_imm_pause_done, true },
	{ "start-latch", "plx_hw_prefetch",
	  "a START written while the engine runs makes it fetch again the "
	  "invalid descriptor it would have stopped at",
	  "a batch submitted while the engine copies can be left behind "
	  "until the next rte_dma_submit() (rte_dma_stop() reports it not "
	  "done). Safe for memory; an application that submits nothing more "
	  "waits unless dma_plx writes START again when its periodic check "
	  "finds the engine stopped at submitted work.",
	  st_check_start_latch, true },
	{ "max-txfr", "plx_hw_ctrl2",
	  "CTRL2 codes 1-5 (128 B to 2 KiB) work as their sizes say",
	  "the devarg max_txfr must stay at its default of 64 on this "
	  "switch (what the Linux driver uses); other values make copies "
	  "fail or move wrong data. Safe at the default.",
	  check_max_txfr, true },
};

const unsigned int st_nb_clauses = RTE_DIM(st_clauses);
_Static_assert(RTE_DIM(st_clauses) <= ST_MAX_CLAUSES, "ST_MAX_CLAUSES");
