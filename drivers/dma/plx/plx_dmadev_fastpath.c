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
 *
 * A scatter-gather op is a run of descriptors, split on both lists'
 * segment boundaries, under one id; see struct plx_dma_chan for how ids
 * and slots relate. While no SG op is outstanding, the fast paths below
 * take slots for ops; otherwise an op's first slot says how many it has
 * (seg_extra), and plx_dma_report_ops() walks op by op whenever the
 * quick test that every slot of the ops is a clean write-back fails.
 */

/*
 * True the first time since the channel started that the fast path
 * refuses work for this reason: an application retrying at full rate
 * gets one log line, not one per call.
 */
bool
plx_dma_first_refusal(struct plx_dma_chan *ch, enum plx_dma_refusal why)
{
	if (ch->refusals_logged & (1u << why))
		return false;
	ch->refusals_logged |= 1u << why;
	return true;
}

/* Why the channel takes no work: removed or vanished, or not started. */
__rte_noinline int
plx_dma_refusal(struct plx_dma_chan *ch)
{
	if (ch->detached || ch->halt == PLX_DMA_HALT_GONE) {
		if (plx_dma_first_refusal(ch, PLX_DMA_REFUSE_REMOVED))
			PLX_CH_LOG(ch, ERR, "device removed: no more work taken");
		return -ENODEV;
	}
	if (ch->halt == PLX_DMA_HALT_ENGINE) {
		if (plx_dma_first_refusal(ch, PLX_DMA_REFUSE_HALTED))
			PLX_CH_LOG(ch, ERR, "engine halted: stop and start the channel");
		return -EIO;
	}
	if (plx_dma_first_refusal(ch, PLX_DMA_REFUSE_NOT_STARTED))
		PLX_CH_LOG(ch, ERR, "channel not started");
	return -EINVAL;
}

/*
 * Whether [iova, iova + length) leaves the engine's 48-bit reach, its start
 * or only its end: a transfer that crossed 2^48 would go on at an address
 * the engine cannot master, so the op would not copy what was asked. One
 * compare, which no sum can overflow (length < 2^32).
 */
static __rte_always_inline bool
plx_dma_beyond_iova(rte_iova_t iova, uint64_t length)
{
	return iova > (UINT64_C(1) << PLX_IOVA_BITS) - length;
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

	/* Ops, not slots: an SG op's extra slots are in the biases. */
	ch->submitted += (uint16_t)((end - ch->id_bias) -
		(pos - ch->submit_bias));
	ch->submit_bias = ch->id_bias;
	ch->submit_pos = end;
	return 0;
}

/*
 * Write one descriptor at slot pos, VALID unless it is the batch's gate:
 * the address words with plain stores, then, after a write barrier,
 * flags_and_size, so that the engine never sees VALID with stale
 * addresses (plx_hw.rst, :ref:`plx_hw_desc_write`). Storing each field
 * on its own takes fewer instructions than assembling two 64-bit words.
 */
static __rte_always_inline void
plx_dma_write_desc(struct plx_dma_chan *ch, unsigned int pos, rte_iova_t src,
		rte_iova_t dst, uint32_t length, bool src_first)
{
	/* volatile: four narrow stores, which the compiler would otherwise
	 * merge into more instructions than they take. */
	volatile struct plx_dma_hw_desc *desc = RTE_PTR_ADD(ch->ring,
		(pos * sizeof(union plx_dma_slot)) & ch->ring_bytes_mask);
	/* + rather than | here and below: the same for a size of 27 bits
	 * (every caller checked it), and one lea instead of mov and or. */
	uint32_t flags = length + PLX_DESC_VALID;
	uint32_t lo8 = (uint32_t)dst, lo12 = (uint32_t)src;

	/* Silicon with the source word first (plx_hw.rst,
	 * :ref:`plx_hw_descriptor`), told by the devarg src_first: known
	 * where the entry point is chosen, so no test here for copy(). */
	if (src_first) {
		lo8 = (uint32_t)src;
		lo12 = (uint32_t)dst;
	}
	desc->dst_addr_lo = rte_cpu_to_le_32(lo8);
	desc->src_addr_lo = rte_cpu_to_le_32(lo12);
	desc->dst_addr_hi = rte_cpu_to_le_16((uint16_t)(dst >> 32));
	desc->src_addr_hi = rte_cpu_to_le_16((uint16_t)(src >> 32));
	*plx_dma_slot_expect(ch, (const union plx_dma_slot *)(uintptr_t)desc) =
		rte_cpu_to_le_32(length + PLX_DESC_WB_SUCCESS);
	/* The gate: submit() sets its VALID. An assignment, which becomes a
	 * cmov, where clearing the bit took a branch. */
	if (unlikely((uint16_t)pos == ch->submit_pos))
		flags = length;
	rte_io_wmb();
	desc->flags_and_size = rte_cpu_to_le_32(flags);
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
	return (uint16_t)(pos - ch->id_bias);
}

/* Fill slot pos with a copy whose arguments passed every test. */
static __rte_always_inline int
plx_dma_put_copy(struct plx_dma_chan *ch, unsigned int pos, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags, bool fenced,
		bool src_first)
{
	plx_dma_write_desc(ch, pos, src, dst, length, src_first);
	ch->write_pos = pos + 1;

	if (unlikely(flags & RTE_DMA_OP_FLAG_SUBMIT))
		return plx_dma_copy_submit(ch, pos, fenced);
	return (uint16_t)(pos - ch->id_bias);
}

/*
 * What copy()'s quick test let through: a refusal, with its reason, or a
 * good copy at an IOVA above 2^47, which the quick test leaves to the
 * exact one. copy()'s own arguments, so that copy() reaches it by a bare
 * jump; the entry point's choices are the channel's.
 */
static __rte_noinline int
plx_dma_copy_slow(struct plx_dma_chan *ch, uint16_t vchan, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags)
{
	uint16_t limit = ch->enqueue_limit;	/* once, as copy() does */
	uint16_t pos = ch->write_pos;

	if (limit == 0)
		return plx_dma_refusal(ch);
	if (length == 0 || length > PLX_DESC_MAX_SIZE) {
		if (plx_dma_first_refusal(ch, PLX_DMA_REFUSE_LENGTH))
			PLX_CH_LOG(ch, ERR, "vchan %u: length %u outside 1..%u",
				vchan, length, PLX_DESC_MAX_SIZE);
		return -EINVAL;
	}
	if (plx_dma_beyond_iova(src, length) ||
			plx_dma_beyond_iova(dst, length)) {
		if (plx_dma_first_refusal(ch, PLX_DMA_REFUSE_IOVA))
			PLX_CH_LOG(ch, ERR, "vchan %u: IOVA beyond %u bits (src 0x%" PRIx64
				", dst 0x%" PRIx64 ", %u bytes)", vchan,
				PLX_IOVA_BITS, src, dst, length);
		return -EINVAL;
	}
	if ((uint16_t)(pos - ch->read_pos) >= limit)
		return -ENOSPC;
	return plx_dma_put_copy(ch, pos, src, dst, length, flags, ch->fenced,
		ch->src_first);
}

static __rte_always_inline int
plx_dma_do_copy(struct plx_dma_chan *ch, uint16_t vchan, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags, bool fenced,
		bool src_first)
{
	unsigned int pos = ch->write_pos;	/* uint16_t, held zero-extended */

	/*
	 * One unsigned test catches length 0 and oversize alike; a full
	 * ring and a channel that takes no work fail alike too. Both
	 * addresses below 2^47, with a length below 2^27, keep both ends
	 * within 48 bits: one shift tests it, and the rare higher IOVA gets
	 * the exact test out of line.
	 */
	if (unlikely(((src | dst) >> (PLX_IOVA_BITS - 1)) != 0 ||
			length - 1 >= PLX_DESC_MAX_SIZE ||
			(uint16_t)(pos - ch->read_pos) >= ch->enqueue_limit))
		return plx_dma_copy_slow(ch, vchan, src, dst, length, flags);
	return plx_dma_put_copy(ch, pos, src, dst, length, flags, fenced,
		src_first);
}

int
plx_dma_copy(void *dev_private, uint16_t vchan, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags)
{
	return plx_dma_do_copy(dev_private, vchan, src, dst, length, flags,
		false, false);
}

int
plx_dma_copy_fenced(void *dev_private, uint16_t vchan,
		rte_iova_t src, rte_iova_t dst, uint32_t length, uint64_t flags)
{
	return plx_dma_do_copy(dev_private, vchan, src, dst, length, flags,
		true, false);
}

int
plx_dma_copy_src_first(void *dev_private, uint16_t vchan, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags)
{
	return plx_dma_do_copy(dev_private, vchan, src, dst, length, flags,
		false, true);
}

int
plx_dma_copy_src_first_fenced(void *dev_private, uint16_t vchan,
		rte_iova_t src, rte_iova_t dst, uint32_t length, uint64_t flags)
{
	return plx_dma_do_copy(dev_private, vchan, src, dst, length, flags,
		true, true);
}

/* --- scatter-gather --- */

/* A list of 1..PLX_DMA_MAX_SGES segments the engine can reach: its bytes. */
static uint64_t
plx_dma_sge_bytes(const struct rte_dma_sge *sge, uint16_t nb)
{
	uint64_t total = 0;
	uint16_t i;

	if (sge == NULL || nb == 0 || nb > PLX_DMA_MAX_SGES)
		return 0;
	for (i = 0; i < nb; i++) {
		if (sge[i].length == 0 || sge[i].length > PLX_DESC_MAX_SIZE ||
				plx_dma_beyond_iova(sge[i].addr, sge[i].length))
			return 0;
		total += sge[i].length;
	}
	return total;
}

/* Descriptors src and dst split into, both lists' boundaries kept. */
static unsigned int
plx_dma_sg_descs(const struct rte_dma_sge *src, const struct rte_dma_sge *dst,
		uint16_t nb_src, uint16_t nb_dst)
{
	unsigned int n = 0, i = 0, j = 0;
	uint64_t s = 0, d = 0;	/* ends of the segments so far */

	while (i < nb_src && j < nb_dst) {
		uint64_t s_end = s + src[i].length, d_end = d + dst[j].length;

		n++;
		if (s_end <= d_end)
			s = s_end, i++;
		if (d_end <= s_end)
			d = d_end, j++;
	}
	return n;
}

/*
 * Descriptors of the op, 0 if its lists are bad, by the exact tests: for
 * lists that pair segment by segment at low IOVAs, plx_dma_sg_plan() has
 * a quicker answer.
 */
static __rte_noinline unsigned int
plx_dma_sg_plan_exact(const struct rte_dma_sge *src,
		const struct rte_dma_sge *dst, uint16_t nb_src, uint16_t nb_dst)
{
	uint64_t src_bytes = plx_dma_sge_bytes(src, nb_src);

	if (src_bytes == 0 || src_bytes != plx_dma_sge_bytes(dst, nb_dst))
		return 0;
	return plx_dma_sg_descs(src, dst, nb_src, nb_dst);
}

/*
 * Descriptors of the op, 0 if its lists are bad. The common op pairs
 * segments of equal lengths one for one, each a descriptor: one pass
 * over both lists proves it, with the quick reach test of copy() (both
 * addresses below 2^47, lengths below 2^27).
 */
static __rte_always_inline unsigned int
plx_dma_sg_plan(const struct rte_dma_sge *src, const struct rte_dma_sge *dst,
		uint16_t nb_src, uint16_t nb_dst)
{
	uint64_t high = 0;
	bool odd = false;
	uint16_t i;

	if (src == NULL || dst == NULL || nb_src != nb_dst ||
			nb_src - 1u >= PLX_DMA_MAX_SGES)
		return plx_dma_sg_plan_exact(src, dst, nb_src, nb_dst);
	for (i = 0; i < nb_src; i++) {
		high |= src[i].addr | dst[i].addr;
		odd |= src[i].length - 1 >= PLX_DESC_MAX_SIZE ||
			src[i].length != dst[i].length;
	}
	if (unlikely(odd || (high >> (PLX_IOVA_BITS - 1)) != 0))
		return plx_dma_sg_plan_exact(src, dst, nb_src, nb_dst);
	return nb_src;
}

/* Why an SG op is refused: the channel, its lists, or no room for it. */
static __rte_noinline int
plx_dma_reject_sg(struct plx_dma_chan *ch, uint16_t vchan,
		const struct rte_dma_sge *src, const struct rte_dma_sge *dst,
		uint16_t nb_src, uint16_t nb_dst)
{
	uint64_t src_bytes, dst_bytes;

	if (!plx_dma_takes_work(ch))
		return plx_dma_refusal(ch);
	src_bytes = plx_dma_sge_bytes(src, nb_src);
	dst_bytes = plx_dma_sge_bytes(dst, nb_dst);
	if (src_bytes == 0 || src_bytes != dst_bytes) {
		if (plx_dma_first_refusal(ch, PLX_DMA_REFUSE_SG))
			PLX_CH_LOG(ch, ERR, "vchan %u: bad scatter-gather lists "
				"(%u and %u segments of 1..%u bytes, at most %u, "
				"below 2^%u, as many bytes each: %" PRIu64
				" and %" PRIu64 ")", vchan, nb_src, nb_dst,
				PLX_DESC_MAX_SIZE, PLX_DMA_MAX_SGES,
				PLX_IOVA_BITS, src_bytes, dst_bytes);
		return -EINVAL;
	}
	return -ENOSPC;
}

/* Write the n descriptors of lists that do not pair one for one. */
static void
plx_dma_write_split(struct plx_dma_chan *ch, uint16_t pos,
		const struct rte_dma_sge *src, const struct rte_dma_sge *dst,
		uint16_t nb_src)
{
	uint32_t s_off = 0, d_off = 0;
	unsigned int i = 0, j = 0;

	while (i < nb_src) {
		uint32_t len = RTE_MIN(src[i].length - s_off,
			dst[j].length - d_off);

		plx_dma_write_desc(ch, pos++, src[i].addr + s_off,
			dst[j].addr + d_off, len, ch->src_first);
		s_off += len;
		d_off += len;
		if (s_off == src[i].length)
			i++, s_off = 0;
		if (d_off == dst[j].length)
			j++, d_off = 0;
	}
}

static __rte_always_inline int
plx_dma_do_copy_sg(struct plx_dma_chan *ch, uint16_t vchan,
		const struct rte_dma_sge *src, const struct rte_dma_sge *dst,
		uint16_t nb_src, uint16_t nb_dst, uint64_t flags, bool fenced)
{
	uint16_t first = ch->write_pos;
	unsigned int n = plx_dma_sg_plan(src, dst, nb_src, nb_dst);
	unsigned int i;
	int id;

	if (unlikely(n == 0 ||
			(uint16_t)(first - ch->read_pos) + n > ch->enqueue_limit))
		return plx_dma_reject_sg(ch, vchan, src, dst, nb_src, nb_dst);
	if (n == nb_src && n == nb_dst) {	/* then paired one for one */
		for (i = 0; i < n; i++)
			plx_dma_write_desc(ch, first + i, src[i].addr,
				dst[i].addr, src[i].length, ch->src_first);
	} else {
		plx_dma_write_split(ch, first, src, dst, nb_src);
	}
	ch->seg_extra[first & ch->ring_mask] = n - 1;
	id = (uint16_t)(first - ch->id_bias);
	ch->write_pos = first + n;
	ch->id_bias += n - 1;
	ch->sg_pending += n > 1;
	if (flags & RTE_DMA_OP_FLAG_SUBMIT) {
		int ret = plx_dma_do_submit(ch, fenced);

		if (ret < 0) {
			/* Not handed out: take the whole op back. */
			ch->write_pos = first;
			ch->id_bias -= n - 1;
			ch->sg_pending -= n > 1;
			ch->seg_extra[first & ch->ring_mask] = 0;
			return ret;
		}
	}
	return id;
}

int
plx_dma_copy_sg(void *dev_private, uint16_t vchan,
		const struct rte_dma_sge *src, const struct rte_dma_sge *dst,
		uint16_t nb_src, uint16_t nb_dst, uint64_t flags)
{
	return plx_dma_do_copy_sg(dev_private, vchan, src, dst, nb_src,
		nb_dst, flags, false);
}

int
plx_dma_copy_sg_fenced(void *dev_private, uint16_t vchan,
		const struct rte_dma_sge *src, const struct rte_dma_sge *dst,
		uint16_t nb_src, uint16_t nb_dst, uint64_t flags)
{
	return plx_dma_do_copy_sg(dev_private, vchan, src, dst, nb_src,
		nb_dst, flags, true);
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

/* --- completions --- */

/* Account for n reports of single-slot ops from read_pos (pos) on. */
static __rte_always_inline uint16_t
plx_dma_consume(struct plx_dma_chan *ch, uint16_t pos, uint16_t n,
		uint16_t *last_idx)
{
	pos += n;
	ch->read_pos = pos;
	ch->completed += n;
	*last_idx = pos - 1 - ch->read_bias;
	return n;
}

/*
 * All of slot[0..n) written back as clean successes, each word exactly
 * its wb_expect (exp[0..n))? The engine writes back in ring order, so once
 * the last shows (read with acquire) every earlier write-back and its
 * data are visible too, and the engine is done with those slots: plain
 * loads serve, and one OR of the differences answers. A slot still VALID
 * differs, as does a failure or a short count.
 */
static __rte_always_inline bool
plx_dma_all_ok(const union plx_dma_slot *slot, const union plx_dma_slot *end,
		size_t ring_bytes)
{
	const union plx_dma_slot *exp = RTE_PTR_ADD(slot, ring_bytes);
	uint32_t diff;

	if (rte_atomic_load_explicit(&end[-1].desc.flags_and_size,
			rte_memory_order_acquire) !=
			exp[end - 1 - slot].desc.flags_and_size)
		return false;
	diff = 0;
	for (; (end - slot) & 7; slot++, exp++)
		diff |= slot->desc.flags_and_size ^ exp->desc.flags_and_size;
	/* Then two 64-byte cache lines of the ring per turn. */
	for (; slot != end; slot += 8, exp += 8)
		diff |= (slot[0].desc.flags_and_size ^ exp[0].desc.flags_and_size) |
			(slot[1].desc.flags_and_size ^ exp[1].desc.flags_and_size) |
			(slot[2].desc.flags_and_size ^ exp[2].desc.flags_and_size) |
			(slot[3].desc.flags_and_size ^ exp[3].desc.flags_and_size) |
			(slot[4].desc.flags_and_size ^ exp[4].desc.flags_and_size) |
			(slot[5].desc.flags_and_size ^ exp[5].desc.flags_and_size) |
			(slot[6].desc.flags_and_size ^ exp[6].desc.flags_and_size) |
			(slot[7].desc.flags_and_size ^ exp[7].desc.flags_and_size);
	return diff == 0;
}

/* Slot written back as a clean success (read with acquire, into *flags)? */
static __rte_always_inline bool
plx_dma_slot_clean(const struct plx_dma_chan *ch,
		const union plx_dma_slot *slot, uint32_t *flags)
{
	*flags = rte_atomic_load_explicit(&slot->desc.flags_and_size,
		rte_memory_order_acquire);
	return *flags == *plx_dma_slot_expect(ch, slot);
}

/*
 * The engine is still at work on [first, first + n): report the clean
 * successes it has written back so far, each read with acquire, up to the
 * ring's end; the rest, and any failure, halt or SG op, are the report
 * path's. Out of line: a poll that finds part of a batch done (the steady
 * state of a full ring) costs a few loads per op, not the op walk.
 */
static __rte_noinline uint16_t
plx_dma_completed_partial(struct plx_dma_chan *ch, uint16_t nb_cpls,
		uint16_t n, uint16_t *last_idx, bool *has_error)
{
	uint16_t pos = ch->read_pos;
	const union plx_dma_slot *slot = &ch->ring[pos & ch->ring_mask];
	uint32_t flags = PLX_DESC_VALID;
	uint16_t k;

	/* completed() sent SG ops to the report path: slots are ops here. */
	for (k = 0; k < n && slot < ch->ring_end; k++, slot++)
		if (!plx_dma_slot_clean(ch, slot, &flags))
			break;
	/* Stopped at a write-back that is no clean success, or at an op a
	 * halted channel reports failed: has_error is due now, with the
	 * successes before it. */
	if (k == 0 || !(flags & PLX_DESC_VALID) ||
			rte_atomic_load_explicit(&ch->halt,
				rte_memory_order_acquire) != PLX_DMA_HALT_NONE)
		return plx_dma_report_ops(ch, nb_cpls, last_idx, has_error,
			NULL);
	return plx_dma_consume(ch, pos, k, last_idx);
}

/*
 * completed() and completed_status() (status not NULL) with SG ops
 * outstanding: the whole ops, up to nb_cpls, that the engine has been
 * given, found by their first slots' slot counts; if every one of their
 * slots is a clean write-back, they are reported at once, as plain copies
 * are. Anything else is the op walk's.
 */
static __rte_noinline uint16_t
plx_dma_completed_sg(struct plx_dma_chan *ch, uint16_t nb_cpls,
		uint16_t *last_idx, bool *has_error,
		enum rte_dma_status_code *status)
{
	uint16_t pos = ch->read_pos;
	uint16_t handed = ch->submit_pos - pos;
	const union plx_dma_slot *first = &ch->ring[pos & ch->ring_mask];
	struct plx_dma_reported r = { 0 };
	uint16_t i;

	while (r.ops < nb_cpls) {
		uint16_t n = 1 + ch->seg_extra[(pos + r.slots) & ch->ring_mask];

		if (r.slots + n > handed)
			break;
		r.sg_ops += n > 1;
		r.slots += n;
		r.ops++;
	}
	if (r.ops == 0 || first + r.slots > ch->ring_end ||
			(r.ops < nb_cpls &&
			 (uint16_t)(pos + r.slots) != ch->write_pos) ||
			!plx_dma_all_ok(first, first + r.slots,
				ch->ring_bytes_mask + sizeof(*first)))
		return plx_dma_report_ops(ch, nb_cpls, last_idx, has_error,
			status);
	for (i = 0; status != NULL && i < r.ops; i++)
		status[i] = RTE_DMA_STATUS_SUCCESSFUL;
	plx_dma_account(ch, &r, last_idx);
	return r.ops;
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

	if (unlikely(ch->sg_pending != 0))
		return plx_dma_completed_sg(ch, nb_cpls, last_idx, has_error,
			NULL);
	/* Slots are ops here; anything else is the report path's. */
	if (unlikely(n == 0 || end > ch->ring_end ||
			(n < nb_cpls && (uint16_t)(pos + n) != ch->write_pos)))
		return plx_dma_report_ops(ch, nb_cpls, last_idx, has_error,
			NULL);
	if (unlikely(!plx_dma_all_ok(first, end,
			ch->ring_bytes_mask + sizeof(*first))))
		return plx_dma_completed_partial(ch, nb_cpls, n, last_idx,
			has_error);
	return plx_dma_consume(ch, pos, n, last_idx);
}

uint16_t
plx_dma_completed_status(void *dev_private, uint16_t vchan __rte_unused,
		const uint16_t nb_cpls, uint16_t *last_idx,
		enum rte_dma_status_code *status)
{
	struct plx_dma_chan *ch = dev_private;
	uint16_t pos = ch->read_pos;
	uint16_t limit = RTE_MIN((uint16_t)(ch->submit_pos - pos), nb_cpls);
	uint16_t n;

	if (unlikely(ch->sg_pending != 0))
		return plx_dma_completed_sg(ch, nb_cpls, last_idx, NULL,
			status);
	for (n = 0; n < limit; n++) {
		uint32_t flags;

		if (unlikely(!plx_dma_slot_clean(ch,
				&ch->ring[(pos + n) & ch->ring_mask], &flags)))
			break;
		status[n] = RTE_DMA_STATUS_SUCCESSFUL;
	}
	plx_dma_consume(ch, pos, n, last_idx);
	if (unlikely(n < nb_cpls && (uint16_t)(pos + n) != ch->write_pos))
		n += plx_dma_report_ops(ch, nb_cpls - n, last_idx, NULL,
			&status[n]);
	return n;
}

uint16_t
plx_dma_burst_capacity(const void *dev_private, uint16_t vchan __rte_unused)
{
	const struct plx_dma_chan *ch = dev_private;

	/*
	 * Free descriptors, from the ring alone, whatever the channel's
	 * state: an application waiting for room must get to rte_dma_copy()
	 * to learn why it fails.
	 */
	return ch->ring_mask + 1 - (uint16_t)(ch->write_pos - ch->read_pos);
}
