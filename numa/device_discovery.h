// Finding the devices whose locality decides placement: the whole disk under the data
// directory (through sysfs) and the network interface that owns the listen address. The
// names returned are the ones Topology::locate_block_device / locate_network_interface take.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace ringmq::numa {

// The whole disk holding `path`: stat() gives st_dev, <sysfs_root>/dev/block/MAJ:MIN links to
// the device, a partition ("vda1") is walked up to its disk ("vda"), and a stacked device
// (LVM, dm-crypt, md) is followed down through its slaves to the disk under it — with several
// disks under it, the first by name. `sysfs_root` is a parameter so tests can fake /sys.
// kNotFound for file systems without a block device (tmpfs, overlayfs, NFS, btrfs subvolumes).
Result<std::string> block_device_of_path(const std::string& path, const std::string& sysfs_root = "/sys");
// The same, from a device number.
Result<std::string> block_device_of_device_number(unsigned major, unsigned minor,
                                                  const std::string& sysfs_root = "/sys");

// The interface that carries `address` ("10.0.0.5", "fe80::1"), e.g. "eth0". kNotFound for a
// wildcard address (0.0.0.0, ::), which listens on every interface, or one no interface has.
Result<std::string> network_interface_of_address(std::string_view address);

}  // namespace ringmq::numa
