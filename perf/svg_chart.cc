#include "perf/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ringmq::perf {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string opacity_text(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", std::clamp(v, 0.0, 1.0));
  return buf;
}

std::string with_title(std::string_view tooltip) {
  return tooltip.empty() ? std::string() : "<title>" + xml_escape(tooltip) + "</title>";
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_us(double us) {
  char buf[32];
  if (us < 1)
    std::snprintf(buf, sizeof buf, "%.0fns", us * 1000);
  else if (us < 10)
    std::snprintf(buf, sizeof buf, "%.2fus", us);
  else if (us < 1000)
    std::snprintf(buf, sizeof buf, "%.1fus", us);
  else if (us < 10'000)
    std::snprintf(buf, sizeof buf, "%.2fms", us / 1e3);
  else if (us < 1'000'000)
    std::snprintf(buf, sizeof buf, "%.1fms", us / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2fs", us / 1e6);
  return buf;
}

SvgChart::SvgChart(int width, int height, int margin_left, int margin_right, int margin_top, int margin_bottom)
    : width_(width),
      height_(height),
      left_(margin_left),
      right_(margin_right),
      top_(margin_top),
      bottom_(margin_bottom) {}

void SvgChart::title(std::string_view text) { title_ = std::string(text); }

double SvgChart::px(double x) const {
  double f;
  if (x_.log)
    f = (std::log10(std::max(x, x_.lo)) - std::log10(x_.lo)) / (std::log10(x_.hi) - std::log10(x_.lo));
  else
    f = (x - x_.lo) / (x_.hi - x_.lo);
  return left_ + std::clamp(f, -0.01, 1.01) * (width_ - left_ - right_);
}

double SvgChart::py(double y) const {
  double f;
  if (y_.log)
    f = (std::log10(std::max(y, y_.lo)) - std::log10(y_.lo)) / (std::log10(y_.hi) - std::log10(y_.lo));
  else
    f = (y - y_.lo) / (y_.hi - y_.lo);
  return height_ - bottom_ - std::clamp(f, -0.01, 1.01) * (height_ - top_ - bottom_);
}

void SvgChart::line(const std::vector<double>& xs, const std::vector<double>& ys, std::string_view color, double width,
                    std::string_view dash, std::string_view tooltip) {
  if (xs.empty()) return;
  // One path; a non-finite value (no data there) breaks the line instead of bridging the gap.
  std::string d;
  d.reserve(xs.size() * 12);
  bool pen_down = false;
  for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) {
      pen_down = false;
      continue;
    }
    d += (pen_down ? "L" : "M") + num(px(xs[i])) + "," + num(py(ys[i]));
    pen_down = true;
  }
  if (d.empty()) return;
  body_ += "<path fill=\"none\" stroke=\"" + std::string(color) + "\" stroke-width=\"" + num(width) + "\"";
  if (!dash.empty()) body_ += " stroke-dasharray=\"" + std::string(dash) + "\"";
  body_ += " d=\"" + d + "\">" + with_title(tooltip) + "</path>\n";
}

void SvgChart::dot(double x, double y, std::string_view color, double radius, std::string_view tooltip) {
  body_ += "<circle cx=\"" + num(px(x)) + "\" cy=\"" + num(py(y)) + "\" r=\"" + num(radius) + "\" fill=\"" +
           std::string(color) + "\">" + with_title(tooltip) + "</circle>\n";
}

void SvgChart::bar(double x0, double x1, double y0, double y1, std::string_view color, std::string_view tooltip) {
  const double a = px(x0), b = std::max(px(x1), a + 0.6);
  const double top = std::min(py(y0), py(y1)), bottom = std::max(py(y0), py(y1));
  if (bottom - top < 0.05) return;
  body_ += "<rect x=\"" + num(a) + "\" y=\"" + num(top) + "\" width=\"" + num(b - a) + "\" height=\"" +
           num(bottom - top) + "\" fill=\"" + std::string(color) + "\">" + with_title(tooltip) + "</rect>\n";
}

void SvgChart::band(double x0, double x1, std::string_view color, double opacity, std::string_view tooltip) {
  const double a = px(x0), b = std::max(px(x1), a + 1.0);
  body_ += "<rect x=\"" + num(a) + "\" y=\"" + num(top_) + "\" width=\"" + num(b - a) + "\" height=\"" +
           num(height_ - top_ - bottom_) + "\" fill=\"" + std::string(color) + "\" fill-opacity=\"" +
           opacity_text(opacity) + "\">" + with_title(tooltip) + "</rect>\n";
}

void SvgChart::hline(double y, std::string_view color, std::string_view dash, std::string_view label) {
  const double yy = py(y);
  body_ += "<line x1=\"" + num(left_) + "\" x2=\"" + num(width_ - right_) + "\" y1=\"" + num(yy) + "\" y2=\"" +
           num(yy) + "\" stroke=\"" + std::string(color) + "\" stroke-dasharray=\"" + std::string(dash) + "\"/>\n";
  if (!label.empty())
    body_ += "<text x=\"" + num(width_ - right_ - 4) + "\" y=\"" + num(yy - 3) +
             "\" text-anchor=\"end\" font-size=\"10\" fill=\"" + std::string(color) + "\">" + xml_escape(label) +
             "</text>\n";
}

void SvgChart::label_at(double x, double y, std::string_view text, std::string_view color, int size) {
  body_ += "<text x=\"" + num(px(x)) + "\" y=\"" + num(py(y)) + "\" font-size=\"" + std::to_string(size) +
           "\" fill=\"" + std::string(color) + "\">" + xml_escape(text) + "</text>\n";
}

void SvgChart::legend(const std::vector<std::pair<std::string, std::string>>& entries) {
  // Rows of entries above the plot, as many as the top margin holds (14 px each).
  const int rows = std::max(1, (top_ - 6) / 14);
  int row = 0;
  double x = left_ + 8;
  double y = top_ - 8 - 14.0 * (rows - 1);
  for (const auto& [color, text] : entries) {
    const double width = 26 + 6.4 * static_cast<double>(text.size());
    if (x + width > width_ - right_ && x > left_ + 8 && row + 1 < rows) {
      ++row;
      x = left_ + 8;
      y += 14;
    }
    legend_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y - 8) + "\" width=\"14\" height=\"4\" fill=\"" + color +
               "\"/><text x=\"" + num(x + 18) + "\" y=\"" + num(y - 3) + "\" font-size=\"11\">" + xml_escape(text) +
               "</text>\n";
    x += width;
  }
}

std::string SvgChart::axes() const {
  std::string out;
  const double x0 = left_, x1 = width_ - right_, y0 = top_, y1 = height_ - bottom_;
  out += "<rect x=\"" + num(x0) + "\" y=\"" + num(y0) + "\" width=\"" + num(x1 - x0) + "\" height=\"" + num(y1 - y0) +
         "\" fill=\"#fff\" stroke=\"#bbb\"/>\n";
  for (const auto& [v, text] : y_.ticks) {
    const double y = py(v);
    out += "<line x1=\"" + num(x0) + "\" x2=\"" + num(x1) + "\" y1=\"" + num(y) + "\" y2=\"" + num(y) +
           "\" stroke=\"#eee\"/><text x=\"" + num(x0 - 4) + "\" y=\"" + num(y + 3.5) +
           "\" text-anchor=\"end\" font-size=\"10\" fill=\"#555\">" + xml_escape(text) + "</text>\n";
  }
  for (const auto& [v, text] : x_.ticks) {
    const double x = px(v);
    out += "<line x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(y0) + "\" y2=\"" + num(y1) +
           "\" stroke=\"#eee\"/><text x=\"" + num(x) + "\" y=\"" + num(y1 + 13) +
           "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">" + xml_escape(text) + "</text>\n";
  }
  if (!x_.label.empty())
    out += "<text x=\"" + num((x0 + x1) / 2) + "\" y=\"" + num(height_ - 6) +
           "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#333\">" + xml_escape(x_.label) + "</text>\n";
  if (!y_.label.empty())
    out += "<text transform=\"translate(12," + num((y0 + y1) / 2) +
           ") rotate(-90)\" text-anchor=\"middle\" font-size=\"11\" fill=\"#333\">" + xml_escape(y_.label) +
           "</text>\n";
  return out;
}

std::string SvgChart::svg() const {
  static int next_id = 0;
  const std::string clip = "clip" + std::to_string(next_id++);
  std::string out = "<svg class=\"chart\" viewBox=\"0 0 " + std::to_string(width_) + " " + std::to_string(height_) +
                    "\" width=\"" + std::to_string(width_) + "\" height=\"" + std::to_string(height_) +
                    "\" role=\"img\" font-family=\"sans-serif\">\n";
  if (!title_.empty()) out += "<title>" + xml_escape(title_) + "</title>\n";
  out += "<defs><clipPath id=\"" + clip + "\"><rect x=\"" + num(left_) + "\" y=\"" + num(top_) + "\" width=\"" +
         num(width_ - left_ - right_) + "\" height=\"" + num(height_ - top_ - bottom_) + "\"/></clipPath></defs>\n";
  out += axes();
  out += "<g clip-path=\"url(#" + clip + ")\">\n" + body_ + "</g>\n";
  out += legend_;
  out += "</svg>\n";
  return out;
}

std::vector<std::pair<double, std::string>> duration_ticks_us(double lo_us, double hi_us) {
  std::vector<std::pair<double, std::string>> ticks;
  for (double v = std::pow(10.0, std::floor(std::log10(std::max(lo_us, 1e-3)))); v <= hi_us * 1.0001; v *= 10)
    if (v >= lo_us * 0.9999) ticks.emplace_back(v, format_us(v));
  for (auto& [v, label] : ticks) {  // "1.00us" reads better as "1us"
    if (auto p = label.find(".00"); p != std::string::npos) label.erase(p, 3);
    if (auto p = label.find(".0"); p != std::string::npos && label.find('.') == p) label.erase(p, 2);
  }
  return ticks;
}

std::vector<std::pair<double, std::string>> linear_ticks(double lo, double hi, int target_count,
                                                         std::string_view unit) {
  std::vector<std::pair<double, std::string>> ticks;
  if (hi <= lo || target_count < 1) return ticks;
  const double raw = (hi - lo) / target_count;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (mag * m >= raw) {
      step = mag * m;
      break;
    }
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    char buf[32];
    if (step >= 1)
      std::snprintf(buf, sizeof buf, "%.0f", v);
    else
      std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(std::ceil(-std::log10(step))), v);
    ticks.emplace_back(v, std::string(buf) + std::string(unit));
  }
  return ticks;
}

std::vector<std::pair<double, std::string>> log_ticks(double lo, double hi) {
  std::vector<std::pair<double, std::string>> ticks;
  for (double v = std::pow(10.0, std::ceil(std::log10(lo))); v <= hi * 1.0001; v *= 10) {
    char buf[32];
    if (v >= 1e6)
      std::snprintf(buf, sizeof buf, "%.0fM", v / 1e6);
    else if (v >= 1e3)
      std::snprintf(buf, sizeof buf, "%.0fk", v / 1e3);
    else
      std::snprintf(buf, sizeof buf, "%g", v);
    ticks.emplace_back(v, buf);
  }
  return ticks;
}

}  // namespace ringmq::perf
