#include "ledger/ledger.h"

namespace sj {

void Ledger::record(const std::string& layer, const std::string& kernel, KernelPass pass, const std::string& shapes, const Cost& cost,
                    int64_t nanoseconds, Device device) {
  std::lock_guard<std::mutex> lock(mutex_);
  Key key{layer, kernel, pass, shapes, device};
  auto it = index_.find(key);
  if (it == index_.end()) {
    it = index_.emplace(key, rows_.size()).first;
    LedgerRow row;
    row.layer = layer;
    row.kernel = kernel;
    row.pass = pass;
    row.shapes = shapes;
    row.device = device;
    rows_.push_back(std::move(row));
  }
  LedgerRow& row = rows_[it->second];
  row.cost += cost;
  row.calls += 1;
  row.nanoseconds += nanoseconds;
}

std::vector<LedgerRow> Ledger::rows() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rows_;
}

void Ledger::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  index_.clear();
  rows_.clear();
}

}  // namespace sj
