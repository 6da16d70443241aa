// SvgChart: just enough of a plotting library for the HTML report -- linear or log axes,
// lines, dots, bars, shaded bands, a legend -- emitted as inline SVG text with no scripts
// and no external references. Hover text uses SVG <title> elements, which every browser
// shows as a tooltip.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringmq::perf {

std::string xml_escape(std::string_view text);

struct ChartAxis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<std::pair<double, std::string>> ticks;  // value, label
  std::string label;
};

class SvgChart {
 public:
  SvgChart(int width, int height, int margin_left = 64, int margin_right = 16, int margin_top = 24,
           int margin_bottom = 40);

  void set_x(ChartAxis axis) { x_ = std::move(axis); }
  void set_y(ChartAxis axis) { y_ = std::move(axis); }
  void title(std::string_view text);

  // Everything below is drawn in data coordinates, clipped to the plot area.
  void line(const std::vector<double>& xs, const std::vector<double>& ys, std::string_view color, double width = 1.5,
            std::string_view dash = {}, std::string_view tooltip = {});
  void dot(double x, double y, std::string_view color, double radius, std::string_view tooltip = {});
  void bar(double x0, double x1, double y0, double y1, std::string_view color, std::string_view tooltip = {});
  // A shaded region over the full plot height between x0 and x1.
  void band(double x0, double x1, std::string_view color, double opacity, std::string_view tooltip = {});
  void hline(double y, std::string_view color, std::string_view dash, std::string_view label = {});
  void label_at(double x, double y, std::string_view text, std::string_view color, int size = 11);
  void legend(const std::vector<std::pair<std::string, std::string>>& entries);  // (color, text)

  std::string svg() const;

  double px(double x) const;
  double py(double y) const;

 private:
  std::string axes() const;

  int width_, height_, left_, right_, top_, bottom_;
  ChartAxis x_, y_;
  std::string title_;
  std::string body_;
  std::string legend_;
};

// Tick sets: powers of ten between lo and hi labelled as durations (input in µs), and
// evenly spaced round numbers.
std::vector<std::pair<double, std::string>> duration_ticks_us(double lo_us, double hi_us);
std::vector<std::pair<double, std::string>> linear_ticks(double lo, double hi, int target_count,
                                                         std::string_view unit = {});
std::vector<std::pair<double, std::string>> log_ticks(double lo, double hi);
// A duration given in µs as "850ns", "12.5us", "3.20ms", "1.05s".
std::string format_us(double us);

}  // namespace ringmq::perf
