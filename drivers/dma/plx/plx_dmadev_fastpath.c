/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#include <rte_byteorder.h>
#include <rte_cycles.h>

#include "plx_dmadev.h"

/*
 * Descriptor ownership. copy() fills a slot and sets VALID at once, except
 * for the first slot of a batch that is not submitted yet (the "gate"):
 * that one stays invalid, so the engine, which stops at the first invalid
 * descriptor, cannot run into the batch early. submit() sets VALID on the
 * gate and writes START once. Only positions before submit_pos can thus
 * be finished by the engine, and completed() looks no further while the
 * channel runs (plx_hw.rst, :ref:`plx_hw_driver_rules`).
 */

/*
 * True the first time since the channel started that the fast path
 * refuses work for this reason: an application retrying at full rate
 * gets one log line, not one per call.
 */
static bool
plx_dma_first_refusal(struct plx_dma_chan *ch, enum plx_dma_refusal why)
{
	if (ch->refusals_logged & (1u << why))
		return false;
	ch->refusals_logged |= 1u << why;
	return true;
}

/* Why the channel takes no work: removed or vanished, or not started. */
static __rte_noinline int
plx_dma_refusal(struct plx_dma_chan *ch)
{
	if (ch->detached || ch->halt == PLX_DMA_HALT_GONE) {
		if (plx_dma_first_refusal(ch, PLX_DMA_REFUSE_REMOVED))
			PLX_CH_LOG(ch, ERR, "device removed: no more work taken");
		return -ENODEV;
	}
	if (plx_dma_first_refusal(ch, PLX_DMA_REFUSE_NOT_STARTED))
		PLX_CH_LOG(ch, ERR, "channel not started");
	return -EINVAL;
}

/* copy()'s own arguments, so that copy() reaches it by a bare jump. */
static __rte_noinline int
plx_dma_reject_copy(struct plx_dma_chan *ch, uint16_t vchan,
		rte_iova_t src, rte_iova_t dst, uint32_t length)
{
	if (!plx_dma_takes_work(ch))
		return plx_dma_refusal(ch);
	if (length == 0 || length > PLX_DESC_MAX_SIZE) {
		if (plx_dma_first_refusal(ch, PLX_DMA_REFUSE_LENGTH))
			PLX_CH_LOG(ch, ERR, "vchan %u: length %u outside 1..%u",
				vchan, length, PLX_DESC_MAX_SIZE);
		return -EINVAL;
	}
	if ((src | dst) & ~PLX_IOVA_MASK) {
		if (plx_dma_first_refusal(ch, PLX_DMA_REFUSE_IOVA))
			PLX_CH_LOG(ch, ERR, "vchan %u: IOVA beyond %u bits (src 0x%" PRIx64
				", dst 0x%" PRIx64 ")", vchan, PLX_IOVA_BITS,
				src, dst);
		return -EINVAL;
	}
	return -ENOSPC;
}

static __rte_always_inline int
plx_dma_do_submit(struct plx_dma_chan *ch, bool fenced)
{
	uint16_t pos = ch->submit_pos;
	uint16_t end = ch->write_pos;

	if (unlikely(!plx_dma_bar_enter(ch, fenced))) {
		plx_dma_bar_leave(ch);
		return plx_dma_refusal(ch);
	}
	if (pos != end) {
		uint32_t *gate = &ch->ring[pos & ch->ring_mask].desc.flags_and_size;

		/* Fields of the whole batch before the gate opens. */
		rte_io_wmb();
		*gate |= rte_cpu_to_le_32(PLX_DESC_VALID);
		/* rte_write16 orders the gate before the doorbell. */
		rte_write16(PLX_CTRL_START_VAL, ch->doorbell);
	}
	plx_dma_bar_leave(ch);

	ch->submitted += (uint16_t)(end - pos);
	ch->submit_pos = end;
	return 0;
}

/* Out of line, so that copy() keeps to scratch registers. */
static __rte_noinline int
plx_dma_copy_submit(struct plx_dma_chan *ch, uint16_t pos, bool fenced)
{
	int ret = plx_dma_do_submit(ch, fenced);

	/* Not handed out, so take it back; the batch's gate keeps the
	 * engine off its slot. */
	if (unlikely(ret < 0)) {
		ch->write_pos = pos;
		return ret;
	}
	return pos;
}

static __rte_always_inline int
plx_dma_do_copy(struct plx_dma_chan *ch, uint16_t vchan, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags, bool fenced)
{
	unsigned int pos = ch->write_pos;	/* uint16_t, held zero-extended */
	uint64_t dst_lo = (uint32_t)dst;
	union plx_dma_slot *slot;
	uint64_t first;

	/* One unsigned test catches length 0 and oversize alike; a full
	 * ring and a channel that takes no work fail alike too. */
	if (unlikely(((src | dst) >> PLX_IOVA_BITS) != 0 ||
			length - 1 >= PLX_DESC_MAX_SIZE ||
			(uint16_t)(pos - ch->read_pos) >= ch->enqueue_limit))
		return plx_dma_reject_copy(ch, vchan, src, dst, length);

	/* The second word holds dst_addr_lo and src_addr_lo; the first,
	 * stored last, flags_and_size, dst_addr_hi and src_addr_hi. */
	slot = RTE_PTR_ADD(ch->ring,
		(pos * sizeof(*slot)) & ch->ring_bytes_mask);
	slot->qw[1] = rte_cpu_to_le_64(dst_lo | src << 32);
	first = (dst - dst_lo) | src >> 32 << 48 | (length | PLX_DESC_VALID);
	/* The gate: submit() sets its VALID. */
	if (unlikely(pos == ch->submit_pos))
		first &= ~(uint64_t)PLX_DESC_VALID;
	/* Addresses become visible before VALID does. */
	rte_io_wmb();
	slot->qw[0] = rte_cpu_to_le_64(first);
	ch->write_pos = pos + 1;

	if (unlikely(flags & RTE_DMA_OP_FLAG_SUBMIT))
		return plx_dma_copy_submit(ch, pos, fenced);
	return pos;
}

int
plx_dma_copy(void *dev_private, uint16_t vchan, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags)
{
	return plx_dma_do_copy(dev_private, vchan, src, dst, length, flags,
		false);
}

int
plx_dma_copy_fenced(void *dev_private, uint16_t vchan,
		rte_iova_t src, rte_iova_t dst, uint32_t length, uint64_t flags)
{
	return plx_dma_do_copy(dev_private, vchan, src, dst, length, flags,
		true);
}

int
plx_dma_submit(void *dev_private, uint16_t vchan __rte_unused)
{
	return plx_dma_do_submit(dev_private, false);
}

int
plx_dma_submit_fenced(void *dev_private, uint16_t vchan __rte_unused)
{
	return plx_dma_do_submit(dev_private, true);
}

static inline uint32_t
plx_dma_desc_flags(const struct plx_dma_chan *ch, uint16_t pos)
{
	return plx_dma_slot_flags(&ch->ring[pos & ch->ring_mask]);
}

static enum rte_dma_status_code
plx_dma_wb_status(uint32_t flags)
{
	if (flags & PLX_DESC_WB_SUCCESS)
		return RTE_DMA_STATUS_SUCCESSFUL;
	if (flags & PLX_DESC_WB_READ_FAIL)
		return RTE_DMA_STATUS_BUS_READ_ERROR;
	if (flags & PLX_DESC_WB_WRITE_FAIL)
		return RTE_DMA_STATUS_BUS_WRITE_ERROR;
	return RTE_DMA_STATUS_ERROR_UNKNOWN;
}

/*
 * Status of a descriptor the engine will never finish: the channel was
 * halted, and it was either not submitted or not reached.
 */
static enum rte_dma_status_code
plx_dma_halted_status(const struct plx_dma_chan *ch, uint16_t pos,
		uint8_t halt)
{
	if ((uint16_t)(pos - ch->read_pos) >=
			(uint16_t)(ch->submit_pos - ch->read_pos))
		return RTE_DMA_STATUS_NOT_ATTEMPTED;
	return halt == PLX_DMA_HALT_GONE ? RTE_DMA_STATUS_DEV_LINK_ERROR :
		RTE_DMA_STATUS_USER_ABORT;
}

/*
 * The descriptor at pos is not a written-back success. Say whether it is
 * to be reported as a failure now; while the channel runs, an unfinished
 * descriptor is only pending, but now and then check the device is there.
 */
static __rte_noinline bool
plx_dma_head_failed(struct plx_dma_chan *ch, uint16_t pos)
{
	uint8_t halt = rte_atomic_load_explicit(&ch->halt,
		rte_memory_order_acquire);
	uint32_t flags;

	if (pos == ch->write_pos)
		return false;
	if (halt != PLX_DMA_HALT_NONE && halt != PLX_DMA_HALT_LOST)
		return true;
	/* Never submitted: a lost engine cannot pass the batch's gate. */
	if (pos == ch->submit_pos)
		return halt == PLX_DMA_HALT_LOST;
	flags = plx_dma_desc_flags(ch, pos);
	/* It may have been written back since the caller looked. */
	if (!(flags & PLX_DESC_VALID))
		return !(flags & PLX_DESC_WB_SUCCESS);
	/* Unfinished: a lost engine may still write it, so never report it. */
	if (halt == PLX_DMA_HALT_LOST)
		return false;
	if (rte_get_tsc_cycles() >= ch->next_gone_check)
		plx_dma_check_gone(ch);
	return ch->halt == PLX_DMA_HALT_GONE;
}

/* Account for n reports from read_pos, which the caller passes, on. */
static __rte_always_inline uint16_t
plx_dma_consume(struct plx_dma_chan *ch, uint16_t read_pos, uint16_t n,
		uint16_t *last_idx)
{
	uint16_t pos = read_pos + n;

	ch->read_pos = pos;
	ch->completed += n;
	*last_idx = pos - 1;
	return n;
}

static __rte_always_inline bool
plx_dma_wb_ok(uint32_t flags)
{
	return (flags & (PLX_DESC_VALID | PLX_DESC_WB_SUCCESS)) ==
		PLX_DESC_WB_SUCCESS;
}

/*
 * All of slot[0..n) written back as successes? The engine writes back in
 * ring order, so once the last shows (read with acquire) every earlier
 * write-back and its data are visible too, and the engine is done with
 * those slots: plain loads serve, and one AND over their flags answers.
 * A slot still VALID has SUCCESS clear, as software never sets
 * INT_WHEN_DONE, the bit SUCCESS takes over.
 */
static __rte_always_inline bool
plx_dma_all_ok(const union plx_dma_slot *slot, const union plx_dma_slot *end)
{
	uint32_t all = UINT32_MAX;

	if (!plx_dma_wb_ok(plx_dma_slot_flags(end - 1)))
		return false;
	for (; (end - slot) & 7; slot++)
		all &= slot->desc.flags_and_size;
	/* Then two 64-byte cache lines of the ring per turn. */
	for (; slot != end; slot += 8)
		all &= slot[0].desc.flags_and_size &
			slot[1].desc.flags_and_size &
			slot[2].desc.flags_and_size &
			slot[3].desc.flags_and_size &
			slot[4].desc.flags_and_size &
			slot[5].desc.flags_and_size &
			slot[6].desc.flags_and_size &
			slot[7].desc.flags_and_size;
	return (rte_le_to_cpu_32(all) & PLX_DESC_WB_SUCCESS) != 0;
}

static __rte_noinline uint16_t
plx_dma_completed_short(struct plx_dma_chan *ch, uint16_t n,
		uint16_t *last_idx, bool *has_error)
{
	uint16_t pos = ch->read_pos;

	*has_error = plx_dma_head_failed(ch, pos + n);
	return plx_dma_consume(ch, pos, n, last_idx);
}

/* The reports from pos (read_pos) on, n of which are successes. */
static __rte_always_inline uint16_t
plx_dma_report(struct plx_dma_chan *ch, uint16_t pos, uint16_t n,
		uint16_t nb_cpls, uint16_t *last_idx, bool *has_error)
{
	/* Stopped short of what is handed out: an error, or not done yet? */
	if (unlikely(n < nb_cpls && (uint16_t)(pos + n) != ch->write_pos))
		return plx_dma_completed_short(ch, n, last_idx, has_error);
	return plx_dma_consume(ch, pos, n, last_idx);
}

/* One by one: across the ring's end, or to find where the run stops. */
static __rte_noinline uint16_t
plx_dma_completed_scan(struct plx_dma_chan *ch, uint16_t nb_cpls,
		uint16_t *last_idx, bool *has_error)
{
	uint16_t pos = ch->read_pos;
	uint16_t limit = RTE_MIN((uint16_t)(ch->submit_pos - pos), nb_cpls);
	uint16_t n = 0;

	while (n < limit && plx_dma_wb_ok(plx_dma_desc_flags(ch, pos + n)))
		n++;
	return plx_dma_report(ch, pos, n, nb_cpls, last_idx, has_error);
}

uint16_t
plx_dma_completed(void *dev_private, uint16_t vchan __rte_unused,
		const uint16_t nb_cpls, uint16_t *last_idx, bool *has_error)
{
	struct plx_dma_chan *ch = dev_private;
	uint16_t pos = ch->read_pos;
	uint16_t n = RTE_MIN((uint16_t)(ch->submit_pos - pos), nb_cpls);
	const union plx_dma_slot *first = &ch->ring[pos & ch->ring_mask];
	const union plx_dma_slot *end = first + n;

	if (unlikely(n == 0 || end > ch->ring_end || !plx_dma_all_ok(first, end)))
		return plx_dma_completed_scan(ch, nb_cpls, last_idx, has_error);
	return plx_dma_report(ch, pos, n, nb_cpls, last_idx, has_error);
}

/*
 * Report descriptors from pos on once the channel is halted, stopping at
 * one a lost engine may still write.
 */
static __rte_noinline uint16_t
plx_dma_halted_statuses(struct plx_dma_chan *ch, uint16_t pos, uint16_t max,
		enum rte_dma_status_code *status)
{
	uint8_t halt = rte_atomic_load_explicit(&ch->halt,
		rte_memory_order_acquire);
	uint16_t n, limit, reported, handed;

	if (halt == PLX_DMA_HALT_NONE) {
		if (pos == ch->submit_pos ||
				rte_get_tsc_cycles() < ch->next_gone_check)
			return 0;
		plx_dma_check_gone(ch);
		halt = rte_atomic_load_explicit(&ch->halt,
			rte_memory_order_acquire);
		if (halt == PLX_DMA_HALT_NONE)
			return 0;
	}
	limit = RTE_MIN((uint16_t)(ch->write_pos - pos), max);
	for (n = 0; n < limit; n++) {
		uint16_t p = pos + n;
		bool submitted = (uint16_t)(p - ch->read_pos) <
			(uint16_t)(ch->submit_pos - ch->read_pos);
		uint32_t flags = plx_dma_desc_flags(ch, p);

		if (submitted && !(flags & PLX_DESC_VALID))
			status[n] = plx_dma_wb_status(flags);
		else if (submitted && halt == PLX_DMA_HALT_LOST)
			break;
		else
			status[n] = plx_dma_halted_status(ch, p, halt);
	}
	/*
	 * Never-submitted ones are now reported: keep read_pos <= submit_pos,
	 * and count them as submitted too, so that completed never passes
	 * submitted.
	 */
	reported = pos + n - ch->read_pos;
	handed = ch->submit_pos - ch->read_pos;
	if (reported > handed) {
		ch->submitted += reported - handed;
		ch->submit_pos = pos + n;
	}
	return n;
}

uint16_t
plx_dma_completed_status(void *dev_private, uint16_t vchan __rte_unused,
		const uint16_t nb_cpls, uint16_t *last_idx,
		enum rte_dma_status_code *status)
{
	struct plx_dma_chan *ch = dev_private;
	uint16_t pos = ch->read_pos;
	uint16_t limit = RTE_MIN((uint16_t)(ch->submit_pos - pos), nb_cpls);
	uint16_t n, i;

	for (n = 0; n < limit; n++) {
		uint32_t flags = plx_dma_desc_flags(ch, pos + n);

		if (unlikely(flags & PLX_DESC_VALID))
			break;
		status[n] = likely(flags & PLX_DESC_WB_SUCCESS) ?
			RTE_DMA_STATUS_SUCCESSFUL : plx_dma_wb_status(flags);
	}
	if (unlikely(n < nb_cpls && (uint16_t)(pos + n) != ch->write_pos))
		n += plx_dma_halted_statuses(ch, pos + n, nb_cpls - n,
			&status[n]);

	for (i = 0; i < n; i++)
		ch->errors += status[i] != RTE_DMA_STATUS_SUCCESSFUL;
	return plx_dma_consume(ch, pos, n, last_idx);
}

uint16_t
plx_dma_burst_capacity(const void *dev_private, uint16_t vchan __rte_unused)
{
	const struct plx_dma_chan *ch = dev_private;

	/*
	 * From the ring alone, whatever the channel's state: an application
	 * waiting for room must get to rte_dma_copy() to learn why it fails.
	 */
	return ch->ring_mask + 1 - (uint16_t)(ch->write_pos - ch->read_pos);
}
