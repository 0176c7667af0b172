// Disjoint sets over indices 0..n-1: families of events linked by event
// pairs, and the families that merged sightings join.
#pragma once

#include <cassert>
#include <cstddef>
#include <numeric>
#include <utility>
#include <vector>

namespace qp::post {

/// Union-find with path halving. A set's root is its smallest index, so the
/// roots (event families) do not depend on the order of the joins.
class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), std::size_t{0}); }
  /// From a forest already made: parent[i] == i for roots, parent[i] < i
  /// otherwise (each root the smallest index of its set).
  explicit UnionFind(std::vector<std::size_t> parent) : parent_(std::move(parent)) {}

  std::size_t size() const { return parent_.size(); }

  std::size_t find(std::size_t i) {
    assert(i < parent_.size());
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }

  /// Joins the sets of a and b; returns the root of the joined set.
  std::size_t join(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return a;
    if (b < a) std::swap(a, b);
    parent_[b] = a;
    return a;
  }

 private:
  std::vector<std::size_t> parent_;
};

}  // namespace qp::post
