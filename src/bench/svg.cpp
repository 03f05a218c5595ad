// SVG chart primitives for the HTML benchmark report.
#include "bench/svg.h"

#include "bench/report_tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace sz0::bench {

namespace {

// Coordinates: one decimal is finer than a pixel; non-finite values collapse to 0 so the
// markup never carries "nan".
std::string c(double v) { return std::isfinite(v) ? num(v, 1) : "0"; }

double nice_step(double span, int target, double min_step) {
  double step = 1;
  if (std::isfinite(span) && span > 0 && target > 0) {
    const double raw = span / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / mag;
    step = (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
  }
  return std::max(step, min_step);
}

std::string tick_label(double v, double step) {
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 6);
  return num(v, decimals);
}

// Text with a white halo, legible over grid lines and data.
std::string text(double x, double y, const std::string& s, const char* anchor, const char* extra = "") {
  return fmt::format(R"(<text x="{}" y="{}" text-anchor="{}" paint-order="stroke" stroke="#fff" stroke-width="3" )"
                     R"(stroke-linejoin="round"{}>{}</text>)",
                     c(x), c(y), anchor, extra, html_escape(s));
}

}  // namespace

Axis linear_axis(double lo, double hi, std::string title, bool extend, int target, double min_step) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo <= 0) {  // one value: open a small window around it
    const double pad = std::max({std::abs(lo) * 0.05, min_step / 2, 1e-3});
    lo -= pad;
    hi += pad;
  }
  const double step = nice_step(hi - lo, target, min_step);
  if (extend) {
    lo = std::floor(lo / step + 1e-9) * step;
    hi = std::ceil(hi / step - 1e-9) * step;
  }
  Axis a{lo, hi, false, std::move(title), {}, {}};
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9 && a.ticks.size() < 40; t += step) {
    a.ticks.push_back(t);
    a.labels.push_back(tick_label(t, step));
  }
  return a;
}

Axis log2_axis(double lo, double hi, std::string title) {
  if (!(lo > 0) || !std::isfinite(lo)) lo = 1;
  if (!(hi >= lo) || !std::isfinite(hi)) hi = lo;
  Axis a{lo / std::exp2(0.35), hi * std::exp2(0.35), true, std::move(title), {}, {}};
  const int k0 = static_cast<int>(std::ceil(std::log2(a.lo))), k1 = static_cast<int>(std::floor(std::log2(a.hi)));
  const int stride = k1 - k0 >= 10 ? 2 : 1;
  for (int k = k0; k <= k1; k += stride) {
    const double v = std::exp2(k);
    a.ticks.push_back(v);
    a.labels.push_back(v >= 1 ? num(v, 0) : num(v, 3));
  }
  return a;
}

const std::string& palette(size_t i) {
  static const std::array<std::string, 5> colors = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
  return colors[i % colors.size()];
}

SvgChart::SvgChart(std::string kind, std::string title, Axis x, Axis y)
    : kind_(std::move(kind)), title_(std::move(title)), x_(std::move(x)), y_(std::move(y)) {}

namespace {

double unit(const Axis& a, double v) {
  double t = 0.5;
  if (a.log2) {
    if (v > 0 && a.lo > 0 && a.hi > a.lo) t = (std::log2(v) - std::log2(a.lo)) / (std::log2(a.hi) - std::log2(a.lo));
  } else if (a.hi > a.lo) {
    t = (v - a.lo) / (a.hi - a.lo);
  }
  return std::isfinite(t) ? std::clamp(t, 0.0, 1.0) : 0.5;
}

}  // namespace

double SvgChart::px(double x) const { return kLeft + unit(x_, x) * (kRight - kLeft); }
double SvgChart::py(double y) const { return kBottom - unit(y_, y) * (kBottom - kTop); }

void SvgChart::bar(double x0, double x1, double y, const std::string& color, const std::string& tip) {
  const double left = px(x0), right = px(x1), top = py(y);
  // A hairline gap between neighbours keeps bars distinct without hiding narrow ones.
  const double w = std::max(right - left - 1, 1.0);
  marks_ += fmt::format(R"(<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>)",
                        c(left + 0.5), c(top), c(w), c(std::max(kBottom - top, 0.0)), color, html_escape(tip));
  marks_ += '\n';
}

void SvgChart::polyline(const std::vector<std::pair<double, double>>& points, const std::string& color, double width) {
  std::string pts;
  for (const auto& [x, y] : points) pts += c(px(x)) + "," + c(py(y)) + " ";
  if (!pts.empty()) pts.pop_back();
  marks_ += fmt::format(R"(<polyline class="series" points="{}" fill="none" stroke="{}" stroke-width="{}" )"
                        R"(stroke-linejoin="round"/>)",
                        pts, color, c(width));
  marks_ += '\n';
}

void SvgChart::point(double x, double y, const std::string& color, const std::string& tip) {
  marks_ += fmt::format(R"(<circle class="point" cx="{}" cy="{}" r="4" fill="{}"><title>{}</title></circle>)", c(px(x)),
                        c(py(y)), color, html_escape(tip));
  marks_ += '\n';
}

void SvgChart::highlight(double x, double y, const std::string& color, const std::string& label) {
  const double cx = px(x), cy = py(y);
  overlay_ += fmt::format(
      R"(<circle class="chosen" cx="{}" cy="{}" r="8" fill="none" stroke="#111" stroke-width="2"/>)", c(cx), c(cy));
  const bool right_side = cx < kRight - 120;
  this->label(right_side ? cx + 12 : cx - 12, cy - 10, label, right_side,
              fmt::format(R"( font-weight="600" fill="{}")", color).c_str());
}

void SvgChart::vline(double x, const std::string& color, const std::string& dash, const std::string& label,
                     double label_at) {
  const double lx = px(x);
  overlay_ += fmt::format(
      R"(<line class="marker" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{3}" stroke-width="1.5"{4}/>)", c(lx),
      c(kTop), c(kBottom), color, dash.empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", dash));
  const double ly = kBottom - std::clamp(label_at, 0.0, 1.0) * (kBottom - kTop);
  const bool right_side = lx < kRight - 110;
  this->label(right_side ? lx + 5 : lx - 5, ly, label, right_side);
}

void SvgChart::hline(double y, const std::string& color, const std::string& dash, const std::string& label) {
  const double ly = py(y);
  overlay_ += fmt::format(
      R"(<line class="marker" x1="{0}" y1="{2}" x2="{1}" y2="{2}" stroke="{3}" stroke-width="1.5"{4}/>)", c(kLeft),
      c(kRight), c(ly), color, dash.empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", dash));
  // Left end: latency grows with batch size, so the series are low there.
  this->label(kLeft + 6, ly - 5, label, true);
}

void SvgChart::legend(const std::vector<std::pair<std::string, std::string>>& entries) {
  // Below the axis title, flowing left to right, so it never covers data; the chart grows to fit.
  if (entries.empty()) return;
  overlay_ += "<g class=\"legend\">";
  double x = kLeft, y = kHeight + 8;
  for (const auto& [name, color] : entries) {
    const double w = 28 + 7.0 * static_cast<double>(name.size());
    if (x > kLeft && x + w > kRight) x = kLeft, y += 18;
    overlay_ += fmt::format(R"(<line x1="{0}" y1="{2}" x2="{1}" y2="{2}" stroke="{3}" stroke-width="3"/>)", c(x),
                            c(x + 22), c(y - 4), color);
    overlay_ += text(x + 28, y, name, "start");
    x += w + 18;
  }
  overlay_ += "</g>\n";
  height_ = y + 10;
}

void SvgChart::label(double x, double y, const std::string& s, bool start, const char* extra) {
  const double w = 7.0 * static_cast<double>(s.size()), x0 = start ? x : x - w, x1 = start ? x + w : x;
  auto clear = [&](double at) {
    for (const auto& b : taken_)
      if (x0 < b[2] && b[0] < x1 && at - 12 < b[3] && b[1] < at + 3) return false;
    return true;
  };
  // Nearest free height, alternating below and above, within the plot area.
  double at = y;
  for (int k = 1; k < 12 && !clear(at); ++k) {
    const double next = y + (k % 2 ? 1 : -1) * 15.0 * ((k + 1) / 2);
    if (next >= kTop + 12 && next <= kBottom - 2) at = next;
  }
  taken_.push_back({x0, at - 12, x1, at + 3});
  overlay_ += text(x, at, s, start ? "start" : "end", extra);
  overlay_ += '\n';
}

void SvgChart::message(const std::string& s) {
  overlay_ += text((kLeft + kRight) / 2, (kTop + kBottom) / 2, s, "middle", R"( font-size="16" fill="#555")");
}

std::string SvgChart::str() const {
  std::string out = fmt::format(
      R"(<svg class="chart" data-chart="{}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" )"
      R"(height="{}" style="width:100%;max-width:720px;height:auto" role="img" aria-label="{}" )"
      R"(font-family="system-ui, 'DejaVu Sans', sans-serif" font-size="12">)"
      "\n<title>{}</title>\n",
      kind_, c(kWidth), c(height_), c(kWidth), c(height_), html_escape(title_), html_escape(title_));
  out += fmt::format(R"(<rect x="0" y="0" width="{}" height="{}" fill="#fff"/>)", c(kWidth), c(height_));
  out += text(16, 24, title_, "start", R"( font-size="15" font-weight="600")") + "\n";
  // Grid behind the data, axes and labels in front of it.
  out += R"(<g class="grid" stroke="#e3e3e3" stroke-width="1">)";
  for (double t : y_.ticks)
    out += fmt::format(R"(<line x1="{0}" y1="{2}" x2="{1}" y2="{2}"/>)", c(kLeft), c(kRight), c(py(t)));
  for (double t : x_.ticks)
    out += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>)", c(px(t)), c(kTop), c(kBottom));
  out += "</g>\n" + marks_;
  out += R"(<g class="axes" stroke="#777" stroke-width="1">)";
  out += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{2}" y2="{1}"/><line x1="{0}" y1="{3}" x2="{0}" y2="{1}"/>)",
                     c(kLeft), c(kBottom), c(kRight), c(kTop));
  for (double t : x_.ticks)
    out += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>)", c(px(t)), c(kBottom), c(kBottom + 5));
  for (double t : y_.ticks)
    out += fmt::format(R"(<line x1="{0}" y1="{2}" x2="{1}" y2="{2}"/>)", c(kLeft - 5), c(kLeft), c(py(t)));
  out += "</g>\n<g class=\"tick-labels\" fill=\"#444\">";
  for (size_t i = 0; i < x_.ticks.size(); ++i)
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", c(px(x_.ticks[i])), c(kBottom + 18),
                       html_escape(x_.labels[i]));
  for (size_t i = 0; i < y_.ticks.size(); ++i)
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", c(kLeft - 8), c(py(y_.ticks[i]) + 4),
                       html_escape(y_.labels[i]));
  out += "</g>\n";
  out += fmt::format(R"(<text class="axis-title" x="{}" y="{}" text-anchor="middle" font-size="13" fill="#333">)"
                     "{}</text>",
                     c((kLeft + kRight) / 2), c(kBottom + 42), html_escape(x_.title));
  out += fmt::format(R"x(<text class="axis-title" transform="translate(18 {}) rotate(-90)" text-anchor="middle" )x"
                     R"(font-size="13" fill="#333">{}</text>)",
                     c((kTop + kBottom) / 2), html_escape(y_.title));
  return out + "\n" + overlay_ + "</svg>\n";
}

}  // namespace sz0::bench
