// Small SVG chart builder for the HTML benchmark report: one plot area with linear or log2 axes,
// tick labels and axis titles, and bars, polylines, points, reference lines and a legend drawn
// in data coordinates. Output is static markup (no scripts); every number it writes is finite.
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace sz0::bench {

struct Axis {
  double lo = 0, hi = 1;  // domain
  bool log2 = false;
  std::string title;
  std::vector<double> ticks;
  std::vector<std::string> labels;
};

// Steps of 1, 2 or 5 × 10^k, about `target` intervals over [lo, hi]; `min_step` bounds the step
// from below (1 for counts and batch sizes). With `extend` the domain grows to whole steps.
Axis linear_axis(double lo, double hi, std::string title, bool extend, int target = 6, double min_step = 0);
// Powers of two over [lo, hi] (both > 0), padded so the end points stay off the frame.
Axis log2_axis(double lo, double hi, std::string title);

// The saturated palette for data series; gray is kept for axes and grid.
const std::string& palette(size_t i);

class SvgChart {
 public:
  static constexpr double kWidth = 720, kHeight = 300;
  static constexpr double kLeft = 72, kRight = 700, kTop = 40, kBottom = 246;  // plot area

  // `kind` names the chart for tests and styling (data-chart attribute).
  SvgChart(std::string kind, std::string title, Axis x, Axis y);

  double px(double x) const;
  double py(double y) const;

  // A bar over [x0, x1] from the x axis up to `y`; `tip` is its hover text.
  void bar(double x0, double x1, double y, const std::string& color, const std::string& tip);
  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& color, double width = 2);
  void point(double x, double y, const std::string& color, const std::string& tip);
  // A ring around a chosen point, labelled beside it in `color`.
  void highlight(double x, double y, const std::string& color, const std::string& label);
  // Reference lines; `dash` is an SVG dash array ("" for solid). The vertical line's label sits at
  // height `label_at` (0..1 of the plot) beside the line.
  void vline(double x, const std::string& color, const std::string& dash, const std::string& label, double label_at);
  void hline(double y, const std::string& color, const std::string& dash, const std::string& label);
  // Entries (label, color) under the chart.
  void legend(const std::vector<std::pair<std::string, std::string>>& entries);
  // A centred note instead of data ("no samples").
  void message(const std::string& text);

  std::string str() const;

 private:
  // A label at (x, y), moved up or down off the labels already placed.
  void label(double x, double y, const std::string& s, bool start, const char* extra = "");

  std::string kind_, title_;
  Axis x_, y_;
  std::string marks_, overlay_;
  std::vector<std::array<double, 4>> taken_;  // boxes of placed labels: x0, y0, x1, y1
  double height_ = kHeight;                   // grows with the legend
};

}  // namespace sz0::bench
