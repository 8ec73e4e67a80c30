/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_SIM_H
#define PLX_SIM_H

/*
 * The device model of the simulated PEX 87xx switch (libplx_sim_model):
 * BAR0 register files, the engine that walks descriptor rings in host
 * memory, the IOMMU, fault injection. It knows nothing of DPDK nor of the
 * host it is presented on; tests may drive it at register level.
 *
 * The host presentation (a fake sysfs, emulated vfio-pci and uio, which
 * dpdk-plx-sim preloads into DPDK programs) is another library, on top of
 * this one: plx_sim_host.h.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PLX_SIM_MAX_FUNCS	8
/* The BAR0 the model exposes: 4 KiB, an assumption of the contract. */
#define PLX_BAR0_SIM_LEN	0x1000
/* How long an all-ones glitch (PLX_SIM_FAULT_GLITCH) lasts when threaded. */
#define PLX_SIM_GLITCH_US	2000

/* Faults a function can be told to suffer. */
enum plx_sim_fault {
	PLX_SIM_FAULT_NONE = 0,
	/* The target descriptor is written back with READ_FAIL, 0 bytes. */
	PLX_SIM_FAULT_READ_FAIL,
	/* The target descriptor is written back with WRITE_FAIL, 0 bytes. */
	PLX_SIM_FAULT_WRITE_FAIL,
	/* The engine stops making progress before the target descriptor and
	 * stays IN_PROGRESS; a graceful pause is never acknowledged, an abort
	 * still is. */
	PLX_SIM_FAULT_STALL,
	/* GRACEFUL_PAUSE is ignored from now on. */
	PLX_SIM_FAULT_PAUSE_STUCK,
	/* ABORT is ignored from now on. */
	PLX_SIM_FAULT_ABORT_STUCK,
	/* The function leaves the bus: BAR0 reads all ones, writes are
	 * dropped, nothing more is written back. */
	PLX_SIM_FAULT_SURPRISE_REMOVAL,
	/* The administrator unbinds the function: the VFIO request (REQ)
	 * eventfd is signalled, as the kernel's vfio-pci does. */
	PLX_SIM_FAULT_UNBIND_REQUEST,
	/* A function reset (VFIO_DEVICE_RESET) takes no effect from now on:
	 * the engine goes on as it was. */
	PLX_SIM_FAULT_RESET_STUCK,
	/* The START of the next write of CTRL carrying one is lost, as a
	 * posted write can be: the engine does not start (nor latch); the
	 * write's other bits, which an earlier write may have left in the
	 * same word, take effect. */
	PLX_SIM_FAULT_LOST_START,
	/* The target descriptor is copied and written back with no status
	 * bit: neither SUCCESS nor a failure. */
	PLX_SIM_FAULT_WB_NO_STATUS,
	/* The target descriptor is written back with READ_FAIL and
	 * WRITE_FAIL both, 0 bytes. */
	PLX_SIM_FAULT_WB_BOTH_FAIL,
	/* The target descriptor moves half its bytes (rounded down) and is
	 * written back SUCCESS with that count. */
	PLX_SIM_FAULT_WB_SHORT,
	/* CTRL (the 32-bit word with CTRL2) reads all ones for a moment
	 * while config space still answers, as during a link retrain: for
	 * PLX_SIM_GLITCH_US, or until the next plx_sim_step() in manual
	 * mode. The engine stands still meanwhile. */
	PLX_SIM_FAULT_GLITCH,
	/* From now on the engine halts after a failed descriptor (written
	 * back with any status but SUCCESS alone): IN_PROGRESS clears, no
	 * status bit is set and START is ignored until a pause or abort
	 * completes, a reset or faults are cleared. */
	PLX_SIM_FAULT_HALT_ON_FAIL,
	PLX_SIM_FAULT_MAX
};

/*
 * Mutant models: each variant makes the model depart from one clause of
 * the contract marked [assumed] (plx_hw.rst, :ref:`plx_hw_verify`), the
 * way the silicon might answer instead. They prove that the hardware
 * self-test (dpdk-plx-selftest) tells each answer apart, and show what
 * the PMD does on such a switch.
 */
enum plx_sim_variant {
	/* The source's low address word is at byte 8, the destination's at
	 * byte 12 (Apple's layout). */
	PLX_SIM_VAR_SRC_BEFORE_DST,
	/* The engine stops after a failed descriptor, IN_PROGRESS clear,
	 * NEXT_ADDR past it, no status bit. */
	PLX_SIM_VAR_STOP_ON_ERROR,
	/* A 0-byte descriptor is written back with SUCCESS. */
	PLX_SIM_VAR_SIZE0_SUCCESS,
	/* A START written while the engine runs is not remembered. */
	PLX_SIM_VAR_NO_START_LATCH,
	/* A graceful pause and an abort also set IMM_PAUSE_DONE. */
	PLX_SIM_VAR_IMM_PAUSE_DONE_SET,
	/* The written-back count is the residue (bytes not moved). */
	PLX_SIM_VAR_RESIDUE_AS_REMAINING,
	/* BAR0 is 8 KiB. */
	PLX_SIM_VAR_BAR0_8K,
	/* DESC_RING_LAST_ADDR and DESC_RING_LAST_SIZE stay 0. */
	PLX_SIM_VAR_NO_LAST_REGS,
	/* Only the 64-byte and 4-byte transfer size codes work: with any
	 * other in CTRL2 every descriptor fails with WRITE_FAIL. */
	PLX_SIM_VAR_TXFR_64_ONLY,
	PLX_SIM_VAR_MAX
};

#define PLX_SIM_VARIANT(v)	(UINT32_C(1) << (v))

struct plx_sim_conf {
	unsigned int nb_funcs;		/* 1 .. PLX_SIM_MAX_FUNCS */
	uint64_t bandwidth;		/* bytes/s per function, 0 = unpaced */
	uint32_t desc_latency_ns;	/* added per descriptor, 0 = none */
	int cpu;			/* pin the engine thread, -1 = no */
	bool null_copy;			/* write back without moving data */
	/*
	 * Burst prefetch, the weakest reading of the contract: the engine
	 * fetches PREF_LIMIT / 2 descriptors at once whatever their VALID
	 * bit, once its queue is empty, and a latched START re-reads only
	 * the descriptor it would stop at, once.
	 */
	bool burst_prefetch;
	/*
	 * Cache prefetch hints: before it copies a descriptor, the engine
	 * prefetches the first lines of the source and destination of the
	 * valid ones it fetched behind it, and its write-back slot and
	 * register line. Nothing observable changes; off by default, as it
	 * made the engine slower on dpdk-test-dma-perf's buffers, which the
	 * CPU's own prefetchers follow (doc/guides/tools/plx_sim.rst).
	 */
	bool prefetch_hints;
	/*
	 * Seeded timing chaos, within the contract, on the engine thread
	 * (a manual switch ignores it): a random latency per descriptor,
	 * 0 included, during which the fetched snapshots are held; random
	 * pauses between descriptors; CTRL polls deferred at random; random
	 * batch sizes. The seed is printed when the switch is made.
	 */
	bool chaos;
	uint64_t chaos_seed;
	/*
	 * Non-atomic transfers: a descriptor moves forward in chunks of
	 * CTRL2's transfer size, each translated through the IOMMU on its
	 * own (a fault mid-way leaves the bytes before it written and is
	 * written back with the bytes moved); an abort or a removal is
	 * served mid-descriptor, leaving partial data and no write-back.
	 * Off: the fast, atomic copy.
	 */
	bool chunked;
	/*
	 * A surprise removal armed for after descriptor k (plx_sim_inject()
	 * with AFTER) lets the write-back of descriptor k land this many
	 * microseconds after the removal, as a posted write in flight would
	 * (a manual switch: at its next step); 0, the default: at once,
	 * before the removal. Software must not have freed or reused that
	 * ring slot by then.
	 */
	uint32_t late_writeback_us;	/* plx_sim_late_writebacks() */
	bool manual;			/* no engine thread: use plx_sim_step() */
	int verbose;			/* 0 quiet, 1 events, 2 every descriptor */
	/* Optional: file descriptors backing each BAR0 (4 KiB, shared);
	 * -1 or a NULL array makes the model create its own. */
	const int *bar_fds;
	uint32_t variants;		/* PLX_SIM_VARIANT() bits, 0 = none */
};

/* Translates a DMA address to a host pointer, for an IOVA-as-PA host. */
typedef void *(*plx_sim_iova_xlate_t)(uint64_t iova, uint64_t len);

struct plx_sim;

struct plx_sim *plx_sim_create(const struct plx_sim_conf *conf);
void plx_sim_destroy(struct plx_sim *sim);
unsigned int plx_sim_nb_funcs(const struct plx_sim *sim);

/* The size of BAR0 under variants: PLX_BAR0_SIM_LEN unless bar0-8k. */
uint32_t plx_sim_bar0_len(uint32_t variants);
/*
 * BAR0 of function fn as software sees it (plx_sim_bar0_len() bytes), a
 * view of plx_sim_bar0_map(). The engine's own mapping is another.
 */
volatile void *plx_sim_bar0(struct plx_sim *sim, unsigned int fn);
int plx_sim_bar0_fd(struct plx_sim *sim, unsigned int fn);
/*
 * Map BAR0 of function fn for software as mmap() maps its file (shared,
 * len bytes from off); MAP_FAILED and errno on error. The model keeps the
 * view: once the function has left the bus (surprise removal), every read
 * of it returns all ones at once and every write is dropped, until it is
 * replugged. On x86-64 such a write faults and the model steps over the
 * instruction (plx_sim_dropped_writes() counts them); elsewhere it reads
 * back until the engine's next pass stamps all ones again.
 */
void *plx_sim_bar0_map(struct plx_sim *sim, unsigned int fn, void *addr,
		size_t len, int prot, int flags, off_t off);
/* Forget the views inside [addr, addr + len): about to be unmapped. */
void plx_sim_bar0_forget(const void *addr, size_t len);
/* Writes to function fn's views dropped while it was gone. */
uint64_t plx_sim_dropped_writes(struct plx_sim *sim, unsigned int fn);

/* IOMMU: only mapped IOVA ranges can be read or written by the engine. */
int plx_sim_iommu_map(struct plx_sim *sim, uint64_t iova, void *vaddr,
		uint64_t len);
int plx_sim_iommu_unmap(struct plx_sim *sim, uint64_t iova, uint64_t len);
/* Replace the IOMMU by a translator (uio / IOVA as PA); NULL restores it. */
void plx_sim_set_iova_xlate(struct plx_sim *sim, plx_sim_iova_xlate_t fn);

/*
 * Manual mode: take pending register writes of function fn, then process
 * at most max_desc descriptors. Returns the number processed.
 */
unsigned int plx_sim_step(struct plx_sim *sim, unsigned int fn,
		unsigned int max_desc);
/*
 * The same, stopping too once about max_bytes have moved: with chunked
 * transfers, that can be in the middle of a descriptor.
 */
unsigned int plx_sim_step_bytes(struct plx_sim *sim, unsigned int fn,
		unsigned int max_desc, uint64_t max_bytes);

/*
 * Arm a fault on function fn, to strike once `after` more descriptors have
 * been processed (0: READ_FAIL, WRITE_FAIL and STALL hit the next
 * descriptor; the other kinds take effect at once).
 */
int plx_sim_inject(struct plx_sim *sim, unsigned int fn,
		enum plx_sim_fault fault, uint64_t after);
/*
 * An all-ones glitch of CTRL on function fn (PLX_SIM_FAULT_GLITCH) now,
 * lasting us microseconds, or, us 0, until plx_sim_clear_faults(): for a
 * test that must see it, whatever the scheduling.
 */
int plx_sim_glitch(struct plx_sim *sim, unsigned int fn, uint64_t us);
/* Disarm faults (a stall is released; removal is undone by replug). */
void plx_sim_clear_faults(struct plx_sim *sim, unsigned int fn);
/*
 * Function-level reset, what vfio-pci's VFIO_DEVICE_RESET does: the
 * engine stops at once (a descriptor in flight is not written back) and
 * the registers take their power-on values; a stall or a stuck pause or
 * abort is cured, faults armed for later descriptors stay armed.
 * -ENODEV for a removed function.
 */
int plx_sim_func_reset(struct plx_sim *sim, unsigned int fn);
/*
 * False once function fn has left the bus (surprise removal) until it is
 * replugged: its config space then reads all ones too, as on PCIe.
 */
bool plx_sim_func_present(struct plx_sim *sim, unsigned int fn);
/* Put a removed function back on the bus with power-on register values. */
int plx_sim_replug(struct plx_sim *sim, unsigned int fn);

/*
 * Switch the null-copy mode of every function (plx_sim_conf.null_copy) on
 * a running switch; descriptors processed from then on follow it.
 */
void plx_sim_set_null_copy(struct plx_sim *sim, bool on);

/*
 * Switch burst prefetch (plx_sim_conf.burst_prefetch) on a running
 * switch; a function follows it from its next START from idle. Returns
 * the setting it replaces.
 */
bool plx_sim_set_burst_prefetch(struct plx_sim *sim, bool on);

/*
 * Descriptor-ownership errors of function fn since the switch was made:
 * descriptors whose slot in host memory, just before the engine wrote
 * them back, differed from the snapshot it ran (software rewrote a
 * descriptor the engine had already fetched VALID). Each is also logged.
 * Silicon would corrupt silently; a driver's tests expect 0.
 */
uint64_t plx_sim_ownership_errors(struct plx_sim *sim, unsigned int fn);

/*
 * A hash of the chaos decisions function fn drew per descriptor: two
 * switches with the same seed that ran the same descriptors agree.
 */
uint64_t plx_sim_chaos_digest(struct plx_sim *sim, unsigned int fn);

/*
 * Late write-backs (plx_sim_conf.late_writeback_us) function fn has
 * delivered: landed where the IOMMU then maps the slot, or dropped if it
 * maps nothing there.
 */
uint64_t plx_sim_late_writebacks(struct plx_sim *sim, unsigned int fn);

/* Descriptors function fn has processed (written back or failed). */
uint64_t plx_sim_desc_count(struct plx_sim *sim, unsigned int fn);

/*
 * Whether function fn's engine sits at an armed stall, its head descriptor
 * fetched: from then on a pause cannot complete, whatever the timing.
 */
bool plx_sim_stalled(struct plx_sim *sim, unsigned int fn);

/* The eventfd that DPDK armed as VFIO request notifier, -1 = none. */
void plx_sim_set_req_eventfd(struct plx_sim *sim, unsigned int fn, int fd);

const char *plx_sim_fault_name(enum plx_sim_fault fault);
int plx_sim_fault_parse(const char *name, enum plx_sim_fault *fault);
const char *plx_sim_variant_name(enum plx_sim_variant v);
int plx_sim_variant_parse(const char *name, enum plx_sim_variant *v);

#ifdef __cplusplus
}
#endif

#endif /* PLX_SIM_H */
