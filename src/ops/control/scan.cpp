// Scan: iterates a body over slices of M scan inputs, carrying N state values and stacking K
// per-iteration values. Opset 8 has a batch axis 0 on every input and an optional
// sequence_lens input; opset 9 drops both and adds per-input/output axes and directions.
#include "ops/control/subgraph.h"
#include "ops/shape_util.h"

namespace sz0::ops {
namespace {

using namespace control;

struct ScanSpec {
  const Graph* body = nullptr;
  size_t first = 0;   // index of the first state input (1 when sequence_lens leads)
  size_t states = 0;  // N
  size_t inputs = 0;  // M scan inputs
  size_t outputs = 0; // K scan outputs
  std::vector<int64_t> in_dirs, in_axes, out_dirs, out_axes;
};

Status check_list(const Node& node, const char* name, const std::vector<int64_t>& v, size_t n, bool direction) {
  if (v.size() != n) return error("{}: {} has {} entries, expected {}", node.label(), name, v.size(), n);
  if (direction)
    for (int64_t d : v)
      if (d != 0 && d != 1) return error("{}: {} must be 0 (forward) or 1 (reverse), got {}", node.label(), name, d);
  return {};
}

Result<ScanSpec> scan_spec(const Node& node, bool batched) {
  ScanSpec s;
  s.body = node.attr_graph("body");
  if (!s.body) return error("{}: needs graph attribute body", node.label());
  if (!node.has_attr("num_scan_inputs")) return error("{}: needs attribute num_scan_inputs", node.label());
  const int64_t m = node.attr_int("num_scan_inputs", 0);
  s.first = batched ? 1 : 0;
  const size_t total = node.inputs.size() > s.first ? node.inputs.size() - s.first : 0;
  if (m < 1 || static_cast<size_t>(m) > total)
    return error("{}: num_scan_inputs = {} but the node has {} state and scan inputs", node.label(), m, total);
  s.inputs = static_cast<size_t>(m);
  s.states = total - s.inputs;
  for (size_t i = s.first; i < node.inputs.size(); ++i)
    if (node.inputs[i].empty()) return error("{}: input {} is missing", node.label(), i);
  if (s.body->inputs.size() != s.states + s.inputs)
    return error("{}: body takes {} inputs, expected {} ({} states, {} scan inputs)", node.label(),
                 s.body->inputs.size(), s.states + s.inputs, s.states, s.inputs);
  if (s.body->outputs.size() < s.states)
    return error("{}: body gives {} outputs, expected at least {} states", node.label(), s.body->outputs.size(),
                 s.states);
  s.outputs = s.body->outputs.size() - s.states;
  if (node.outputs.size() > s.states + s.outputs)
    return error("{}: {} outputs but the body gives {} states and {} scan values", node.label(), node.outputs.size(),
                 s.states, s.outputs);
  SZ0_TRY(check_tensor_outputs(node, *s.body));
  const char* in_dirs = batched ? "directions" : "scan_input_directions";
  s.in_dirs = node.attr_ints(in_dirs, std::vector<int64_t>(s.inputs, 0));
  SZ0_TRY(check_list(node, in_dirs, s.in_dirs, s.inputs, true));
  s.in_axes = std::vector<int64_t>(s.inputs, batched ? 1 : 0);
  s.out_dirs = std::vector<int64_t>(s.outputs, 0);
  s.out_axes = std::vector<int64_t>(s.outputs, batched ? 1 : 0);
  if (!batched) {
    s.in_axes = node.attr_ints("scan_input_axes", s.in_axes);
    SZ0_TRY(check_list(node, "scan_input_axes", s.in_axes, s.inputs, false));
    s.out_dirs = node.attr_ints("scan_output_directions", s.out_dirs);
    SZ0_TRY(check_list(node, "scan_output_directions", s.out_dirs, s.outputs, true));
    s.out_axes = node.attr_ints("scan_output_axes", s.out_axes);
    SZ0_TRY(check_list(node, "scan_output_axes", s.out_axes, s.outputs, false));
  }
  return s;
}

// ---- inference ----

Status infer_scan_common(InferContext& ctx, bool batched) {
  SZ0_ASSIGN(ScanSpec s, scan_spec(ctx.node, batched));
  if (batched && ctx.has_input(0) && ctx.in(0).dtype != DType::Undefined && !dtype_is_int(ctx.in(0).dtype))
    return ctx.fail("sequence_lens must be int64, got {}", ctx.in(0).str());
  std::vector<TypeInfo> body_in;
  for (size_t i = 0; i < s.states; ++i) {
    const TypeInfo& t = ctx.in(s.first + i);
    body_in.push_back(batched ? remove_dim(t, 0) : t);
  }
  Dim batch, seq;
  bool seq_found = false;
  for (size_t j = 0; j < s.inputs; ++j) {
    const TypeInfo& t = ctx.in(s.first + s.states + j);
    if (!t.has_rank()) {
      body_in.push_back(dtype_only(t.dtype));
      continue;
    }
    SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, s.in_axes[j], t.rank()));
    if (batched && axis != 1) return ctx.fail("scan input {} needs rank 2 or more, got {}", j, t.str());
    if (!seq_found) {
      seq = (*t.shape)[axis];
      if (batched) batch = (*t.shape)[0];
      seq_found = true;
    }
    TypeInfo b = remove_dim(t, axis);
    body_in.push_back(batched ? remove_dim(b, 0) : b);
  }
  const std::vector<TypeInfo> bt = subgraph_output_types(*s.body, body_in, ctx.opset);
  for (size_t i = 0; i < s.states && i < ctx.num_outputs(); ++i) {
    // States keep their shape from one iteration to the next.
    TypeInfo t = ctx.in(s.first + i);
    if (t.dtype == DType::Undefined) t.dtype = bt[i].dtype;
    ctx.out(i) = std::move(t);
  }
  for (size_t k = 0; k < s.outputs && s.states + k < ctx.num_outputs(); ++k) {
    const TypeInfo& t = bt[s.states + k];
    TypeInfo o = dtype_only(t.dtype);
    if (t.has_rank()) {
      if (batched) {
        o = insert_dim(insert_dim(t, 0, seq), 0, batch);
      } else {
        SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, s.out_axes[k], t.rank() + 1));
        o = insert_dim(t, axis, seq);
      }
    }
    ctx.out(s.states + k) = std::move(o);
  }
  return {};
}

Status infer_scan8(InferContext& ctx) { return infer_scan_common(ctx, true); }
Status infer_scan9(InferContext& ctx) { return infer_scan_common(ctx, false); }

// ---- kernels ----

// Collects per-iteration scan values and checks they keep one type and shape.
struct ScanCollector {
  std::vector<std::vector<Tensor>> items;  // [k][iteration]

  explicit ScanCollector(size_t k) : items(k) {}
  const Tensor* first(size_t k) const { return items[k].empty() ? nullptr : &items[k].front(); }
  Status add(const KernelContext& ctx, size_t k, Tensor t) {
    const Tensor* f = first(k);
    if (!f) {
      if (dtype_size(t.dtype()) == 0)
        return ctx.fail("scan output {} has unsupported type {}", k, dtype_name(t.dtype()));
    } else if (t.dtype() != f->dtype() || t.shape() != f->shape()) {
      return ctx.fail("scan output {} changed from {}[{}] to {}[{}] between iterations", k, dtype_name(f->dtype()),
                      shape_str(f->shape()), dtype_name(t.dtype()), shape_str(t.shape()));
    }
    items[k].push_back(std::move(t));
    return {};
  }
};

// Runs the body once: states in and out, scan values into `col`.
Status run_body(KernelContext& ctx, const ScanSpec& s, std::vector<Tensor>& states, std::vector<Tensor> slices,
                ScanCollector& col) {
  std::vector<Tensor> in = states;
  for (Tensor& t : slices) in.push_back(std::move(t));
  SZ0_ASSIGN(std::vector<Tensor> out, ctx.run_subgraph(*s.body, std::move(in)));
  if (out.size() != s.states + s.outputs)
    return ctx.fail("body gave {} outputs, expected {}", out.size(), s.states + s.outputs);
  for (size_t i = 0; i < s.states; ++i) states[i] = std::move(out[i]);
  for (size_t k = 0; k < s.outputs; ++k) SZ0_TRY(col.add(ctx, k, std::move(out[s.states + k])));
  return {};
}

// Per-iteration type of scan output k when the body never ran.
TypeInfo unrun_type(const KernelContext& ctx, const ScanSpec& s, size_t k) {
  std::vector<TypeInfo> in;
  for (size_t i = 0; i < s.states + s.inputs; ++i) in.push_back(dtype_only(ctx.in(s.first + i).dtype()));
  return subgraph_output_types(*s.body, in, ctx.opset())[s.states + k];
}

Status run_scan9(KernelContext& ctx) {
  SZ0_ASSIGN(ScanSpec s, scan_spec(ctx.node(), false));
  std::vector<int64_t> axes(s.inputs);
  int64_t len = -1;
  for (size_t j = 0; j < s.inputs; ++j) {
    const Tensor& x = ctx.in(s.states + j);
    if (x.rank() == 0) return ctx.fail("scan input {} is a scalar; it needs an axis to scan", j);
    SZ0_ASSIGN(axes[j], normalize_axis(ctx.node(), s.in_axes[j], x.rank()));
    if (len < 0) len = x.dim(static_cast<int>(axes[j]));
    else if (x.dim(static_cast<int>(axes[j])) != len)
      return ctx.fail("scan input {} has {} steps along axis {}, scan input 0 has {}", j, x.dim(static_cast<int>(axes[j])),
                      axes[j], len);
  }
  std::vector<Tensor> states;
  for (size_t i = 0; i < s.states; ++i) states.push_back(ctx.in(i));
  ScanCollector col(s.outputs);
  for (int64_t t = 0; t < len; ++t) {
    std::vector<Tensor> slices;
    for (size_t j = 0; j < s.inputs; ++j)
      slices.push_back(slice_axis(ctx.in(s.states + j), axes[j], s.in_dirs[j] ? len - 1 - t : t));
    SZ0_TRY(run_body(ctx, s, states, std::move(slices), col));
  }
  for (size_t i = 0; i < s.states && i < ctx.num_outputs(); ++i)
    if (ctx.output_wanted(i)) ctx.set_output(i, std::move(states[i]));
  for (size_t k = 0; k < s.outputs && s.states + k < ctx.num_outputs(); ++k) {
    if (!ctx.output_wanted(s.states + k)) continue;
    DType dtype;
    Shape item;
    if (const Tensor* f = col.first(k)) {
      dtype = f->dtype();
      item = f->shape();
    } else {
      const TypeInfo t = unrun_type(ctx, s, k);
      dtype = dtype_or_float(t);
      item = shape_or_zeros(t);
    }
    SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), s.out_axes[k], static_cast<int64_t>(item.size()) + 1));
    std::vector<const Tensor*> items;
    for (const Tensor& v : col.items[k]) items.push_back(&v);
    ctx.set_output(s.states + k, stack_axis(items, dtype, item, axis, s.out_dirs[k] != 0));
  }
  return {};
}

Status run_scan8(KernelContext& ctx) {
  SZ0_ASSIGN(ScanSpec s, scan_spec(ctx.node(), true));
  const size_t first_scan = s.first + s.states;
  const Tensor& x0 = ctx.in(first_scan);
  if (x0.rank() < 2) return ctx.fail("scan input 0 needs a batch and a sequence axis, got shape {}", shape_str(x0.shape()));
  const int64_t batch = x0.dim(0), max_len = x0.dim(1);
  for (size_t j = 0; j < s.inputs; ++j) {
    const Tensor& x = ctx.in(first_scan + j);
    if (x.rank() < 2 || x.dim(0) != batch || x.dim(1) != max_len)
      return ctx.fail("scan input {} has shape {}, expected [{}, {}, ...] like scan input 0", j, shape_str(x.shape()),
                      batch, max_len);
  }
  for (size_t i = 0; i < s.states; ++i) {
    const Tensor& st = ctx.in(s.first + i);
    if (st.rank() < 1 || st.dim(0) != batch)
      return ctx.fail("initial state {} has shape {}, expected batch size {} first", i, shape_str(st.shape()), batch);
  }
  std::vector<int64_t> lens(static_cast<size_t>(batch), max_len);
  if (const Tensor* sl = ctx.input(0)) {
    if (!dtype_is_int(sl->dtype())) return ctx.fail("sequence_lens must be int64, got {}", dtype_name(sl->dtype()));
    if (sl->numel() != batch)
      return ctx.fail("sequence_lens has shape {}, expected [{}]", shape_str(sl->shape()), batch);
    for (int64_t b = 0; b < batch; ++b) {
      lens[b] = sl->get_int64(b);
      if (lens[b] < 0 || lens[b] > max_len)
        return ctx.fail("sequence_lens[{}] = {} is outside [0, {}]", b, lens[b], max_len);
    }
  }
  std::vector<std::vector<Tensor>> final_states(s.states);  // [i][batch]
  ScanCollector col(s.outputs);
  std::vector<std::vector<int64_t>> where(s.outputs);  // flat (batch, step) index of each collected item
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Tensor> states;
    for (size_t i = 0; i < s.states; ++i) states.push_back(slice_axis(ctx.in(s.first + i), 0, b));
    std::vector<Tensor> xb;
    for (size_t j = 0; j < s.inputs; ++j) xb.push_back(slice_axis(ctx.in(first_scan + j), 0, b));
    const int64_t n = lens[b];
    for (int64_t t = 0; t < n; ++t) {
      std::vector<Tensor> slices;
      for (size_t j = 0; j < s.inputs; ++j) slices.push_back(slice_axis(xb[j], 0, s.in_dirs[j] ? n - 1 - t : t));
      SZ0_TRY(run_body(ctx, s, states, std::move(slices), col));
      for (size_t k = 0; k < s.outputs; ++k) where[k].push_back(b * max_len + t);
    }
    for (size_t i = 0; i < s.states; ++i) final_states[i].push_back(std::move(states[i]));
  }
  for (size_t i = 0; i < s.states && i < ctx.num_outputs(); ++i) {
    if (!ctx.output_wanted(i)) continue;
    if (batch == 0) {
      ctx.set_output(i, ctx.in(s.first + i));
      continue;
    }
    const Tensor& f = final_states[i].front();
    std::vector<const Tensor*> items;
    for (const Tensor& v : final_states[i]) {
      if (v.dtype() != f.dtype() || v.shape() != f.shape())
        return ctx.fail("final state {} differs in type or shape between batch entries", i);
      items.push_back(&v);
    }
    ctx.set_output(i, stack_axis(items, f.dtype(), f.shape(), 0, false));
  }
  for (size_t k = 0; k < s.outputs && s.states + k < ctx.num_outputs(); ++k) {
    if (!ctx.output_wanted(s.states + k)) continue;
    DType dtype;
    Shape item;
    if (const Tensor* f = col.first(k)) {
      dtype = f->dtype();
      item = f->shape();
    } else {
      const TypeInfo t = unrun_type(ctx, s, k);
      dtype = dtype_or_float(t);
      item = shape_or_zeros(t);
    }
    // Steps past a batch entry's sequence length stay zero.
    std::vector<const Tensor*> items(static_cast<size_t>(batch * max_len), nullptr);
    for (size_t n = 0; n < col.items[k].size(); ++n) items[where[k][n]] = &col.items[k][n];
    Tensor flat = stack_axis(items, dtype, item, 0, false);
    Shape shape = item;
    shape.insert(shape.begin(), {batch, max_len});
    ctx.set_output(s.states + k, flat.reshaped(std::move(shape)));
  }
  return {};
}

SZ0_REGISTER_OP(.op_type = "Scan", .since = 8, .infer = infer_scan8, .compute = run_scan8);
SZ0_REGISTER_OP(.op_type = "Scan", .since = 9, .infer = infer_scan9, .compute = run_scan9);

}  // namespace
}  // namespace sz0::ops
