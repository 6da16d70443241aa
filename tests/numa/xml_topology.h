// Hand-built hwloc XML for test machines with several NUMA nodes and PCI devices, since the
// development machines have one node and synthetic topologies carry no I/O. Each package
// holds one NUMA node and `cores` cores of `pus` PUs; each device is a PCI function behind
// its own host bridge, under a chosen package or under the machine itself.
#pragma once

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace ringmq::test {

struct TestPciDevice {
  std::string os_name;   // "nvme0n1", "eth0"
  bool network = false;  // a network interface, else a block device
  int package = 0;       // the package (= NUMA node) it hangs off; -1 for the machine root
};

class XmlTopologyBuilder {
 public:
  XmlTopologyBuilder(int packages, int cores, int pus) : packages_(packages), cores_(cores), pus_(pus) {}

  XmlTopologyBuilder& add_device(TestPciDevice device) {
    devices_.push_back(std::move(device));
    return *this;
  }

  std::string build() const {
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"
        "<topology version=\"2.0\">\n";
    int all_pus = packages_ * cores_ * pus_;
    xml += "  <object type=\"Machine\" os_index=\"0\"" + sets(0, all_pus, 0, packages_, true) + ">\n";
    for (int package = 0; package < packages_; ++package) {
      int first_pu = package * cores_ * pus_;
      std::string package_sets = sets(first_pu, cores_ * pus_, package, 1, false);
      xml += "    <object type=\"Package\" os_index=\"" + std::to_string(package) + "\"" + package_sets + ">\n";
      xml += "      <object type=\"NUMANode\" os_index=\"" + std::to_string(package) + "\"" + package_sets +
             " local_memory=\"1073741824\"/>\n";
      for (int core = 0; core < cores_; ++core) {
        int core_first_pu = first_pu + core * pus_;
        xml += "      <object type=\"Core\" os_index=\"" + std::to_string(package * cores_ + core) + "\"" +
               sets(core_first_pu, pus_, package, 1, false) + ">\n";
        for (int pu = core_first_pu; pu < core_first_pu + pus_; ++pu) {
          xml += "        <object type=\"PU\" os_index=\"" + std::to_string(pu) + "\"" +
                 sets(pu, 1, package, 1, false) + "/>\n";
        }
        xml += "      </object>\n";
      }
      xml += devices_under(package, "      ");
      xml += "    </object>\n";
    }
    xml += devices_under(-1, "    ");
    xml += "  </object>\n</topology>\n";
    return xml;
  }

 private:
  // hwloc writes sets as hex words; one 32-bit word covers every test machine here.
  static std::string mask(int first, int count) {
    unsigned long long bits = ((count >= 64 ? ~0ULL : ((1ULL << count) - 1))) << first;
    char text[32];
    std::snprintf(text, sizeof(text), "0x%08llx", bits);
    return text;
  }

  static std::string sets(int first_pu, int pu_count, int first_node, int node_count, bool allowed) {
    std::string cpus = mask(first_pu, pu_count);
    std::string nodes = mask(first_node, node_count);
    std::string out = " cpuset=\"" + cpus + "\" complete_cpuset=\"" + cpus + "\"";
    if (allowed) out += " allowed_cpuset=\"" + cpus + "\"";
    out += " nodeset=\"" + nodes + "\" complete_nodeset=\"" + nodes + "\"";
    if (allowed) out += " allowed_nodeset=\"" + nodes + "\"";
    return out;
  }

  std::string devices_under(int package, const std::string& indent) const {
    std::string xml;
    for (size_t i = 0; i < devices_.size(); ++i) {
      const TestPciDevice& device = devices_[i];
      if (device.package != package) continue;
      char bus[8];
      std::snprintf(bus, sizeof(bus), "%02zx", (i + 1) * 0x10);
      // Class 0108 is an NVMe controller, 0200 an Ethernet controller; osdev_type 0 is a
      // block device, 2 a network interface (hwloc_obj_osdev_type_e).
      std::string pci_type = device.network ? "0200 [8086:1572] [8086:0000] 01" : "0108 [144d:a808] [144d:a801] 00";
      xml += indent + "<object type=\"Bridge\" bridge_type=\"0-1\" depth=\"0\" bridge_pci=\"0000:[" + bus + "-" + bus +
             "]\">\n";
      xml += indent + "  <object type=\"PCIDev\" pci_busid=\"0000:" + bus + ":00.0\" pci_type=\"" + pci_type +
             "\" pci_link_speed=\"0.000000\">\n";
      xml += indent + "    <object type=\"OSDev\" name=\"" + device.os_name + "\" osdev_type=\"" +
             (device.network ? "2" : "0") + "\"/>\n";
      xml += indent + "  </object>\n" + indent + "</object>\n";
    }
    return xml;
  }

  int packages_;
  int cores_;
  int pus_;
  std::vector<TestPciDevice> devices_;
};

}  // namespace ringmq::test
