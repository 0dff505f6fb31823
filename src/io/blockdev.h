/*
 * blockdev.h - whether writing into a folder could write onto the device
 * being recovered.
 *
 * The output folder's file system lives on a block device; so does the
 * source.  Writing is refused when the two share sectors: the same device,
 * a partition of the source disk, the disk holding the source partition,
 * or a device stacked (device-mapper, md) on any of those.  Linux only:
 * the answers come from sysfs and /proc/self/mountinfo.
 */
#ifndef DREDGE_IO_BLOCKDEV_H
#define DREDGE_IO_BLOCKDEV_H

#include <stddef.h>
#include <sys/types.h>

/*
 * src: the source block device (st_rdev), src_name what to call it;
 * fs_dev: st_dev of the output folder.  Returns 1 when a write to that file system could land on the
 * source, with a sentence in why naming the devices, e.g. "is on
 * /dev/sdb1, a partition of the device being recovered (/dev/sdb)";
 * 0 when it cannot, or when nothing can be learnt (no sysfs).
 */
int blockdev_shares_source(dev_t src, const char *src_name, dev_t fs_dev,
                           char *why, size_t len);

#endif
