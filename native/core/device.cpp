#include "core/device.h"

#include "core/error.h"

namespace sj {

Device parseDevice(const std::string& name) {
  if (name == "cpu") return Device::Cpu;
  if (name == "cuda") return Device::Cuda;
  fail(ErrorCode::Value, "device '", name, "' is not one of cpu, cuda");
}

}  // namespace sj
