// Runtime-only operators: the session rewrites graphs into them (blocked-channel layouts, fused
// epilogues). They never appear in a written model.
#pragma once

#include <cstdint>
#include <string_view>

namespace sz0::ops {

inline constexpr std::string_view kInternalDomain = "com.sentinelzer0";

// Channel block of the blocked activation layout: a tensor [N, C, H, W] is stored as
// [N, ceil(C / 8), H, W, 8], channel c at block c / 8, lane c % 8; lanes past C are padding.
inline constexpr int64_t kChannelBlock = 8;

inline int64_t channel_blocks(int64_t c) { return (c + kChannelBlock - 1) / kChannelBlock; }

}  // namespace sz0::ops
