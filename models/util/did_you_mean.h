// " (did you mean 'channels'?)" for a mistyped key, when exactly one known key is close: the optimal string
// alignment distance (Levenshtein plus adjacent transpositions, the usual typing slips) of at most 2 (1 for
// keys of up to 3 characters). Nothing when the guess would be noise.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace cdma::util {

inline size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

inline std::string did_you_mean(const std::string& key, const std::vector<std::string>& known) {
  const size_t limit = std::min<size_t>(2, std::max<size_t>(1, key.size() / 2));
  const std::string* best = nullptr;
  size_t best_distance = limit + 1;
  for (const std::string& k : known) {
    const size_t dist = edit_distance(key, k);
    if (dist < best_distance) {
      best = &k;
      best_distance = dist;
    }
  }
  return best ? " (did you mean '" + *best + "'?)" : "";
}

}  // namespace cdma::util
