// Memory for a tensor on a device: 64-byte-aligned host memory for the CPU (AlignedBuffer), device
// memory for CUDA. Layers and the network hold their tensors in these and pass the raw pointers to
// kernels of the same device; only the network copies between host and device.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "core/aligned_buffer.h"
#include "core/device.h"
#include "cuda/device_memory.h"

namespace sj {

template <class T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept { *this = std::move(o); }
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      releaseDevice();
      host_ = std::move(o.host_);
      device_ = std::exchange(o.device_, nullptr);
      size_ = std::exchange(o.size_, 0);
      where_ = o.where_;
    }
    return *this;
  }
  ~Buffer() { releaseDevice(); }

  // Reallocates (zeroed) when the device or the size changes; keeps the contents otherwise.
  // `what` names the tensor in an out-of-memory error.
  void resize(Device where, int64_t count, const std::string& what = "a tensor") {
    if (where == where_ && count == size_) return;
    host_.resize(0);
    releaseDevice();
    size_ = 0;
    where_ = where;
    if (count <= 0) return;
    if (where == Device::Cpu) {
      host_.resize(count);
    } else if constexpr (kCudaBuilt) {
      device_ = static_cast<T*>(cuda::allocate(count * static_cast<int64_t>(sizeof(T)), what));
    }
    size_ = count;
  }
  // Grows only; never shrinks (scratch space reused across calls).
  void reserve(Device where, int64_t count, const std::string& what = "a tensor") {
    if (where != where_ || count > size_) resize(where, count, what);
  }

  T* data() { return where_ == Device::Cpu ? host_.data() : device_; }
  const T* data() const { return where_ == Device::Cpu ? host_.data() : device_; }
  int64_t size() const { return size_; }
  Device device() const { return where_; }

  // Whole-buffer copies from and to host memory, finished on return.
  void copyFromHost(const T* host, CudaStream stream = nullptr) {
    if (where_ == Device::Cpu) {
      if (size_) std::memcpy(static_cast<void*>(host_.data()), host, bytes());
    } else if constexpr (kCudaBuilt) {
      cuda::copyToDevice(device_, host, bytes(), stream, "a tensor");
      cuda::synchronize(stream, "copying a tensor to the device");
    }
  }
  void copyToHost(T* host, CudaStream stream = nullptr) const {
    if (where_ == Device::Cpu) {
      if (size_) std::memcpy(static_cast<void*>(host), host_.data(), bytes());
    } else if constexpr (kCudaBuilt) {
      cuda::copyToHost(host, device_, bytes(), stream, "a tensor");
    }
  }

 private:
  int64_t bytes() const { return size_ * static_cast<int64_t>(sizeof(T)); }
  void releaseDevice() {
    if constexpr (kCudaBuilt) {
      if (device_) cuda::release(device_);
    }
    device_ = nullptr;
  }

  AlignedBuffer<T> host_;
  T* device_ = nullptr;
  int64_t size_ = 0;
  Device where_ = Device::Cpu;
};

}  // namespace sj
