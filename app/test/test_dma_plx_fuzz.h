/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The op-sequence fuzzer of dma_plx (test_dma_plx_fuzz*.c): what the
 * runner, the op executor and the reference model share.
 *
 * The model knows the API contract (doc/guides/dmadevs/plx.rst, the
 * channel lifecycle, rte_dmadev.h) and what the simulated switch was told
 * to do (faults, unmapped IOVAs). It reads the engine's descriptor counter
 * (plx_sim_desc_count()) to learn how far the hardware got, never the
 * driver's state. Where timing leaves an outcome open it accepts each
 * legal one and then tightens its state from what it saw.
 */

#ifndef TEST_DMA_PLX_FUZZ_H
#define TEST_DMA_PLX_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_memzone.h>

#define FZ_MAX_FUNCS	4
#define FZ_MAX_HELD	3	/* removed channels kept per function */
#define FZ_MAX_QUAR	64	/* destination areas a lost engine may write */
#define FZ_LOOPING	UINT64_MAX	/* lost_end of an engine that loops */
#define FZ_MAX_MARKS	64	/* remembered read/write fault descriptors */
#define FZ_NEVER	UINT64_MAX
#define FZ_MIN_DESC	32	/* the guide's ring sizes */
#define FZ_MAX_DESC	32768
#define FZ_MAX_LEN	0x7ffffffu
#define FZ_IOVA_BITS	48
#define FZ_MAX_CPLS	1024	/* completions asked for in one call */
#define FZ_MAX_SGES	16	/* the guide's max_sges */
#define FZ_MAX_PIECES	(2 * FZ_MAX_SGES - 1)	/* descriptors of an SG op */
#define FZ_SRC_LEN	(256 * 1024)
#define FZ_GUARD_LEN	16	/* guard bytes before a copy's body */
#define FZ_WAIT_US	(5 * 1000 * 1000)	/* longest wait without progress */
#define FZ_BIT(x)	(1u << (x))

/* --- randomness: splitmix64 --- */

struct fz_rng {
	uint64_t s;
};

uint64_t fz_rand(struct fz_rng *r);
uint32_t fz_below(struct fz_rng *r, uint32_t n);
/* True with probability pct / 100. */
bool fz_pct(struct fz_rng *r, unsigned int pct);

/* --- checks --- */

/* What a check is about: the class a failure names. */
enum fz_check {
	FZ_C_RC,		/* control-path return code */
	FZ_C_FAST_RC,		/* copy, submit return code */
	FZ_C_ORDER,		/* report count and last_idx */
	FZ_C_STATUS,		/* a reported status */
	FZ_C_EARLY,		/* reported while the engine may still write */
	FZ_C_LIVENESS,		/* done or final, yet not reported */
	FZ_C_HAS_ERROR,		/* completed()'s has_error */
	FZ_C_DATA,		/* the bytes of a reported copy, guard bytes */
	FZ_C_LATE_WRITE,	/* a destination changed after its report */
	FZ_C_ENGINE,		/* the engine ran what it must not */
	FZ_C_CAPACITY,
	FZ_C_VCHAN_STATUS,
	FZ_C_STATS,
	FZ_C_DEVICE,		/* dmadev id, name, release, PCI state */
	FZ_C_LOG,		/* an error without its log line, or a flood */
	FZ_C_SETUP,		/* the fuzzer cannot go on (never tolerated) */
	FZ_C_MAX
};

const char *fz_check_name(enum fz_check c);
/* A failed check: -1, with the reason recorded (plx_test_msg). */
int fz_fail(enum fz_check c, const char *fmt, ...) __rte_format_printf(2, 3);
/* The class of the failure recorded since fz_fail_reset(). */
int fz_failed_check(void);
void fz_fail_reset(void);

#define FZ_CHECK(c, cond, ...) do { \
	if (!(cond)) \
		return fz_fail(c, __VA_ARGS__); \
} while (0)
#define FZ_OK(expr) do { \
	if ((expr) != 0) \
		return -1; \
} while (0)

/* --- what the fuzzer saw, for the coverage line --- */

enum fz_count {
	FZ_N_STEPS,
	FZ_N_COPY_OK,
	FZ_N_SG_OK,
	FZ_N_COPY_REFUSED,
	FZ_N_REPORTED,
	FZ_N_ST_OK,
	FZ_N_ST_ABORT,
	FZ_N_ST_NA,
	FZ_N_ST_BUS,
	FZ_N_ST_LINK,
	FZ_N_ST_UNKNOWN,
	FZ_N_STARTS,
	FZ_N_STOPS,
	FZ_N_REMOVES,
	FZ_N_UNBINDS,
	FZ_N_PROBES,
	FZ_N_FAULTS,
	FZ_N_VANISHED,
	FZ_N_LOST,
	FZ_N_MAX
};

extern uint64_t fz_counts[FZ_N_MAX];

/* --- log capture (rte_log into a counting stream) --- */

int fz_log_open(void);
void fz_log_close(void);
/* Lines logged so far (by any thread). */
uint64_t fz_log_lines(void);
/* Print the last lines logged, "# log: " in front. */
void fz_log_show(unsigned int max_lines);

/* --- trace: a line per executed op when tracing (the replay shown) --- */

extern bool fz_tracing;
void fz_trace(const char *fmt, ...) __rte_format_printf(1, 2);
/* What each trace line starts with: the step. */
void fz_trace_step(const char *fmt, ...) __rte_format_printf(1, 2);

/* --- the runner (test_dma_plx_fuzz.c) and shrinker (_shrink.c) --- */

struct fz_opts {
	uint64_t seed;
	uint64_t steps;
	uint32_t seg_steps;
	unsigned int funcs;
	int64_t segment;	/* only this one, or -1 */
	const char *ops;	/* with segment: only these op indices */
	unsigned int shrink_secs;
	unsigned int stop_ms;
	bool trace;
	bool list_checks;
};

extern struct fz_opts fz_opts;
/* The options that shape a segment's ops or checks, to rerun it. */
extern char fz_same_args[512];

struct fz_step;
struct plx_test_run;

/* Every function removed, power-cycled, probed again. */
int fz_world_reset(void);
void fz_segment_ops(uint64_t seed, uint32_t seg, struct fz_step *steps,
	uint32_t n);
/* Run segment seg (only the ops in list, if given), report it and shrink
 * a failure if asked: 0 passed, -1 failed. */
int fz_segment_run(struct plx_test_run *run, uint32_t seg,
	const uint32_t *list, uint32_t nb_list, bool do_shrink);

/* --- the model --- */

enum fz_chan_state {
	FZ_PROBED,
	FZ_CONFIGURED,	/* configured, maybe set up; not started */
	FZ_STARTED,
	FZ_REMOVED,	/* PCI device removed, dmadev held */
	FZ_RELEASED,	/* closed, or released by the removal */
};

/* How the current run of a channel ended (or not). */
enum fz_halt {
	FZ_RUN,		/* started, engine working */
	FZ_HALT_STOP,	/* stopped or removed: unfinished ops USER_ABORT */
	FZ_HALT_GONE,	/* device vanished first: DEV_LINK_ERROR */
	FZ_HALT_LOST,	/* engine ignored pause and abort: never reported */
};

/*
 * One segment of an op's source or destination list. A source segment
 * is at offset off of the function's source area; the destination
 * segments lie one after the other in the op's slot body. bad: the
 * segment is at an unmapped IOVA (the engine fails its pieces).
 */
struct fz_seg {
	uint32_t off;
	uint32_t len;
	bool bad;
};

/* The lists of the op in a ring slot (a copy has one segment each). */
struct fz_lists {
	uint8_t nb_src;
	uint8_t nb_dst;
	struct fz_seg src[FZ_MAX_SGES];
	struct fz_seg dst[FZ_MAX_SGES];
};

/* A piece: a descriptor of an op, split on both lists' boundaries. */
struct fz_piece {
	uint32_t at;	/* offset in the op's bytes (and its body) */
	uint32_t len;
	uint32_t src_off;
	bool src_bad;
	bool dst_bad;
};

unsigned int fz_pieces(const struct fz_lists *l, struct fz_piece *p);

/* An op handed out in the current run (ring slot k & (ring - 1)). */
struct fz_op {
	uint64_t d;	/* its first descriptor, counted from the run's */
	uint8_t n;	/* its descriptors */
};

/* What a destination slot must hold, from the last op into it. */
struct fz_slot {
	uint8_t state;	/* FZ_SLOT_* */
	uint16_t status;	/* as reported (enum rte_dma_status_code) */
	uint8_t fill;	/* the byte its body held before */
	uint16_t body;	/* where in the slot the op's bytes land */
	uint32_t len;
	uint64_t sum;	/* of the body, where the status leaves it open */
};

enum {
	FZ_SLOT_CLEAN,		/* all guard bytes */
	FZ_SLOT_PENDING,	/* an op not reported yet may write it */
	FZ_SLOT_DONE,		/* reported; must not change */
};

/* Refusal reasons of the fast path, for the log checks. */
enum fz_refusal {
	FZ_R_LEN,
	FZ_R_IOVA,
	FZ_R_SG,	/* a bad scatter-gather list */
	FZ_R_STOPPED,
	FZ_R_NODEV,
	FZ_R_FULL,
	FZ_R_MAX
};

struct fz_func;

/* One dmadev of a function, as the model sees it. */
struct fz_chan {
	struct fz_func *f;
	int16_t id;
	enum fz_chan_state st;
	bool lib_conf;		/* configured once: the library has 1 vchan */
	bool lib_started;	/* the library's dev_started */
	bool noticed;		/* the driver has shown the device vanished */
	bool looping;		/* a lost engine runs its ring round and round */
	uint16_t ring;		/* descriptors, 0 = not set up */
	uint32_t slot_len;
	uint32_t max_len;	/* longest copy into a slot */
	const struct rte_memzone *dst_mz;
	uint8_t *dst;
	uint64_t dst_iova;
	struct fz_op *ops;
	struct fz_slot *slots;
	struct fz_lists *lists;	/* per slot */
	/* the run since the last start */
	enum fz_halt halt;
	uint64_t d0;		/* descriptor number of op 0 */
	uint64_t d_end;		/* the engine is done with the run here */
	uint64_t d_stop;	/* descriptor count when its stop began */
	uint64_t d_halt;	/* descriptor count when the run halted */
	uint64_t handed;	/* ops handed out (op k got id (uint16_t)k) */
	uint64_t sub;		/* ops submitted (always a prefix) */
	uint64_t rep;		/* ops reported */
	/* the same in descriptors */
	uint64_t hd;
	uint64_t sd;
	uint64_t rd;
	/* what the copy or submit under way may have submitted already: the
	 * engine runs it before the call returns and the model counts it */
	uint64_t sd_call;
	/* an op reported unfinished: the engine must not finish it */
	uint64_t unrun_op;
	uint64_t unrun_desc;	/* descriptors the engine may still count */
	bool vanished_after;	/* the device vanished after the run halted */
	/* since the last stats_reset */
	uint64_t st_rung;	/* ops submitted to the engine */
	uint64_t st_na_rep;	/* reported NOT_ATTEMPTED */
	uint64_t st_rep;
	uint64_t st_err;
	/* log lines seen in refusals, per reason, this run */
	uint32_t log_lines[FZ_R_MAX];
	uint32_t refusals[FZ_R_MAX];	/* in the channel's life */
	char name[RTE_DEV_NAME_MAX_LEN];
};

/* A simulated function and the dmadevs the fuzzer made of it. */
struct fz_func {
	unsigned int fn;
	char addr[RTE_DEV_NAME_MAX_LEN];
	const struct rte_memzone *src_mz;
	uint8_t *src;
	uint64_t src_iova;
	bool probed;		/* the PCI device is probed */
	bool off_bus;		/* surprise removal struck, no replug since */
	struct fz_chan *cur;	/* the probed device's dmadev (or NULL) */
	struct fz_chan *held[FZ_MAX_HELD];
	unsigned int nb_held;
	struct fz_chan *runner;	/* whose run the engine last had */
	/* a lost engine of a closed channel may run to this count, 0: none,
	 * FZ_LOOPING: for ever */
	uint64_t lost_end;
	uint64_t frozen;	/* the descriptor count while nothing runs */
	bool may_run;
	/* armed faults: descriptor numbers, FZ_NEVER = none */
	uint64_t stall_at;
	uint64_t surprise_at;
	uint64_t pstuck_at;
	uint64_t astuck_at;
	uint64_t rstuck_at;
	/* faults of one descriptor's write-back, armed or spent: the
	 * descriptor and the kind (enum plx_sim_fault) */
	uint64_t mark_at[FZ_MAX_MARKS];
	uint8_t mark_kind[FZ_MAX_MARKS];
	unsigned int nb_marks;
	const struct rte_memzone *quar[FZ_MAX_QUAR];
	unsigned int nb_quar;
	uint32_t unbind_seen;	/* REMOVE events handled */
};

struct fz_world {
	struct fz_func funcs[FZ_MAX_FUNCS];
	unsigned int nb_funcs;
	const char *devargs;
	unsigned int stop_ms;
	uint32_t faults;	/* FZ_BIT(enum plx_sim_fault) injected */
};

extern struct fz_world fz_w;
extern struct plx_sim *fz_sim;

/* fz_model: state and predictions (test_dma_plx_fuzz_model.c) */
uint64_t fz_descs(const struct fz_func *f);
int fz_func_check(struct fz_func *f);
int fz_chan_new(struct fz_func *f, struct fz_chan **out);
void fz_chan_free(struct fz_chan *ch);
void fz_chan_detach(struct fz_chan *ch);
struct fz_chan *fz_chan_pick(struct fz_func *f, uint32_t r);
int fz_ring_set(struct fz_chan *ch, uint16_t ring);
void fz_run_begin(struct fz_chan *ch);
bool fz_unstoppable(const struct fz_func *f);
bool fz_maybe_unstoppable(const struct fz_func *f);
bool fz_lost_settled(struct fz_chan *ch);
/* The engine's CTRL as it last published it (for diagnostics). */
uint32_t fz_engine_ctrl(const struct fz_func *f);
bool fz_lost_busy(struct fz_func *f);
bool fz_lost_looping(const struct fz_func *f);
void fz_unstrand(struct fz_chan *r);
int fz_run_halt(struct fz_chan *ch, bool removal, uint64_t begun);
void fz_faults_cleared(struct fz_func *f, uint64_t now);
void fz_clear_faults(struct fz_func *f);
void fz_fault_armed(struct fz_func *f, int fault, uint64_t at);
enum rte_dma_status_code fz_mark_status(uint8_t kind);
const char *fz_halt_name(enum fz_halt h);
uint64_t fz_run_done(const struct fz_chan *ch, uint64_t count);
uint64_t fz_run_target(const struct fz_chan *ch);
bool fz_vanished(const struct fz_chan *ch);
bool fz_uncollected(const struct fz_chan *ch);
int fz_reports(struct fz_chan *ch, bool with_status, uint16_t nb,
	uint16_t n, uint16_t last, int has_error,
	const enum rte_dma_status_code *st, uint64_t before, uint64_t after);
/* fz_data: destination slots (test_dma_plx_fuzz_data.c) */
int fz_slot_verify(const struct fz_chan *ch, unsigned int i);
int fz_slots_verify(const struct fz_chan *ch);
int fz_slot_prepare(struct fz_chan *ch, unsigned int i, const struct fz_slot *s,
	const struct fz_lists *l);
int fz_slot_reported(struct fz_chan *ch, uint64_t k,
	enum rte_dma_status_code st);

/* fz_report: reports and counters (test_dma_plx_fuzz_report.c) */
uint64_t fz_ops_done(const struct fz_chan *ch, uint64_t done);
int fz_stats_check(struct fz_chan *ch);
int fz_vchan_status_check(struct fz_chan *ch, enum rte_dma_vchan_status vs,
	uint64_t before, uint64_t after);
int fz_capacity_check(const struct fz_chan *ch, uint16_t cap);
int fz_log_check(struct fz_chan *ch, enum fz_refusal why, uint32_t reasons,
	uint64_t lines);
void fz_quarantine_free(struct fz_func *f);

/* fz_ops: the op executor (test_dma_plx_fuzz_ops.c) */
enum fz_op_kind {
	FZ_OP_COPY,
	FZ_OP_COPY_SG,
	FZ_OP_BURST,
	FZ_OP_SUBMIT,
	FZ_OP_COMPLETED,
	FZ_OP_COMPLETED_STATUS,
	FZ_OP_CAPACITY,
	FZ_OP_DRAIN,
	FZ_OP_INFO,
	FZ_OP_ADVANCE,
	FZ_OP_CONFIGURE,
	FZ_OP_VCHAN_SETUP,
	FZ_OP_START,
	FZ_OP_STOP,
	FZ_OP_CLOSE,
	FZ_OP_STATS_RESET,
	FZ_OP_FAULT,
	FZ_OP_CLEAR,
	FZ_OP_REMOVE,
	FZ_OP_UNBIND,
	FZ_OP_PROBE,
	FZ_OP_REPLUG,
	FZ_OP_VERIFY,
	FZ_OP_UNSUPPORTED,
	FZ_OP_MAX
};

/* A step: what to do, and the random word its details come from. */
struct fz_step {
	uint8_t kind;
	uint8_t fn;
	uint64_t r;
};

const char *fz_op_name(enum fz_op_kind k);
/* Wall time spent in each kind of op, in microseconds. */
extern uint64_t fz_op_us[FZ_OP_MAX];
int fz_exec(const struct fz_step *s);
int fz_between_steps(void);
int fz_unbind_init(void);
void fz_unbind_fini(void);

#endif /* TEST_DMA_PLX_FUZZ_H */
