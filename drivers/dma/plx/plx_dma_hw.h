/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_DMA_HW_H
#define PLX_DMA_HW_H

/*
 * Hardware definitions of the PLX/Broadcom PEX 87xx DMA engine, one channel
 * per PCI function. This is the single place that encodes the programming
 * contract (doc/guides/dmadevs/plx_hw.rst, :ref:`plx_hw`): the PMD and
 * the simulated switch both include it.
 */

#include <stdint.h>

#define PLX_PCI_VENDOR_ID		0x10b5
#define PLX_PCI_DEVICE_ID_DMA		0x87d0
#define PLX_PCI_CLASS_DMA		0x088000 /* system peripheral, other */
/*
 * Config space: the revision and class dword reads all ones, like BAR0,
 * once the device is gone. (Not the vendor ID: vfio-pci answers that
 * from its own copy, made when the device was opened.)
 */
#define PLX_PCI_CFG_CLASS_REV		0x08
/* In it, the class code above the 8-bit revision. */
#define PLX_PCI_CLASS_SHIFT		8

/* BAR0 must at least reach the end of the per-channel register block. */
#define PLX_BAR0_MIN_LEN		0x240

/* Per-channel registers, byte offsets into BAR0. */
#define PLX_REG_DESC_RING_ADDR		0x214
#define PLX_REG_DESC_RING_ADDR_HI	0x218 /* bits 32-47 used, see below */
#define PLX_REG_DESC_RING_NEXT_ADDR	0x21c
#define PLX_REG_DESC_RING_COUNT		0x220
#define PLX_REG_DESC_RING_LAST_ADDR	0x224
#define PLX_REG_DESC_RING_LAST_SIZE	0x228
#define PLX_REG_PREF_LIMIT		0x234
#define PLX_REG_CTRL			0x238 /* 16 bit; 32-bit view adds CTRL2 */
#define PLX_REG_CTRL2			0x23a
#define PLX_REG_INTR_CTRL		0x23c
#define PLX_REG_INTR_STATUS		0x23e

/* PREF_LIMIT value that lets the engine fetch four descriptors ahead. */
#define PLX_PREF_LIMIT_4_DESC		8

/* CTRL, 16-bit register (bit 30 exists only in the 32-bit view). */
#define PLX_CTRL_GRACEFUL_PAUSE		(1u << 0)
#define PLX_CTRL_ABORT			(1u << 1)
#define PLX_CTRL_WRITE_BACK_EN		(1u << 2)
#define PLX_CTRL_START			(1u << 3)
#define PLX_CTRL_RING_STOP_MODE		(1u << 4)
#define PLX_CTRL_DESC_MODE_SHIFT	5
#define PLX_CTRL_DESC_MODE_MASK		(3u << PLX_CTRL_DESC_MODE_SHIFT)
#define PLX_CTRL_DESC_MODE_BLOCK	(0u << PLX_CTRL_DESC_MODE_SHIFT)
#define PLX_CTRL_DESC_MODE_ON_CHIP	(1u << PLX_CTRL_DESC_MODE_SHIFT)
#define PLX_CTRL_DESC_MODE_OFF_CHIP	(2u << PLX_CTRL_DESC_MODE_SHIFT)
#define PLX_CTRL_DESC_INVALID		(1u << 8)  /* W1C */
#define PLX_CTRL_GRACEFUL_PAUSE_DONE	(1u << 9)  /* W1C */
#define PLX_CTRL_ABORT_DONE		(1u << 10) /* W1C */
#define PLX_CTRL_IMM_PAUSE_DONE		(1u << 12) /* W1C */
#define PLX_CTRL_IN_PROGRESS		(1u << 30) /* 32-bit view only */

#define PLX_CTRL_STATUS_MASK		(PLX_CTRL_DESC_INVALID | \
					 PLX_CTRL_GRACEFUL_PAUSE_DONE | \
					 PLX_CTRL_ABORT_DONE | \
					 PLX_CTRL_IMM_PAUSE_DONE)
/* Writing RESET_VAL clears every status bit. */
#define PLX_CTRL_RESET_VAL		PLX_CTRL_STATUS_MASK
#define PLX_CTRL_START_VAL		(PLX_CTRL_WRITE_BACK_EN | \
					 PLX_CTRL_DESC_MODE_OFF_CHIP | \
					 PLX_CTRL_START | PLX_CTRL_RESET_VAL)

/*
 * CTRL2 sits in bits 16-31 of a 32-bit access at PLX_REG_CTRL, CTRL in
 * bits 0-15: each half of that 32-bit word, and a CTRL2 value placed in it.
 */
#define PLX_CTRL2_SHIFT			16
#define PLX_CTRL_MASK			0xffffu
#define PLX_CTRL32_CTRL(w)		((uint32_t)(w) & PLX_CTRL_MASK)
#define PLX_CTRL32_CTRL2(w)		((uint32_t)(w) >> PLX_CTRL2_SHIFT)
#define PLX_CTRL32_OF_CTRL2(v)		((uint32_t)(v) << PLX_CTRL2_SHIFT)
/* CTRL2 bits 0-2: maximum transfer size code. */
#define PLX_CTRL2_MAX_TXFR_MASK		0x7u
#define PLX_CTRL2_MAX_TXFR_64B		0
#define PLX_CTRL2_MAX_TXFR_128B		1
#define PLX_CTRL2_MAX_TXFR_256B		2
#define PLX_CTRL2_MAX_TXFR_512B		3
#define PLX_CTRL2_MAX_TXFR_1KB		4
#define PLX_CTRL2_MAX_TXFR_2KB		5
#define PLX_CTRL2_MAX_TXFR_4B		7

/* INTR_CTRL enables and INTR_STATUS causes (INTR_STATUS is W1C). */
#define PLX_INTR_ERROR			(1u << 0)
#define PLX_INTR_INV_DESC		(1u << 1)
#define PLX_INTR_DESC_DONE		(1u << 2) /* status only */
#define PLX_INTR_ABORT_DONE		(1u << 3)
#define PLX_INTR_PAUSE_DONE		(1u << 4) /* enable only */
#define PLX_INTR_IMM_PAUSE_DONE		(1u << 5) /* enable only */
#define PLX_INTR_STATUS_ALL		(PLX_INTR_ERROR | PLX_INTR_INV_DESC | \
					 PLX_INTR_DESC_DONE | PLX_INTR_ABORT_DONE)

/* Everything reads as all ones once the device has left the bus. */
#define PLX_GONE_U16			0xffffu
#define PLX_GONE_U32			0xffffffffu

/* The engine masters 48-bit IOVAs; a ring keeps to one 4 GiB window. */
#define PLX_IOVA_BITS			48
#define PLX_IOVA_MASK			((UINT64_C(1) << PLX_IOVA_BITS) - 1)
#define PLX_RING_WINDOW			(UINT64_C(1) << 32)
/* What the engine takes of DESC_RING_ADDR_HI: IOVA bits 32-47. */
#define PLX_RING_ADDR_HI_MASK		((1u << (PLX_IOVA_BITS - 32)) - 1)

/* Descriptor in host memory, 16 bytes, little-endian. */
struct plx_dma_hw_desc {
	uint32_t flags_and_size;
	uint16_t dst_addr_hi;
	uint16_t src_addr_hi;
	uint32_t dst_addr_lo;
	uint32_t src_addr_lo;
};

#define PLX_DESC_SIZE_BITS		27
#define PLX_DESC_SIZE_MASK		((1u << PLX_DESC_SIZE_BITS) - 1)
#define PLX_DESC_MAX_SIZE		PLX_DESC_SIZE_MASK
/* Written by software. */
#define PLX_DESC_INT_WHEN_DONE		(1u << 30)
#define PLX_DESC_VALID			(1u << 31)
/* Written back by the engine (VALID clear). */
#define PLX_DESC_WB_SUCCESS		(1u << 30)
#define PLX_DESC_WB_READ_FAIL		(1u << 29)
#define PLX_DESC_WB_WRITE_FAIL		(1u << 28)

#endif /* PLX_DMA_HW_H */
