# Sourced by the test scripts: each zoo model's inputs, NAME → INPUT=DIMS[:DTYPE]... with the
# dims after the batch axis (the spec format of ONNX Runtime's generator, ort.js gen).
declare -A zoo_inputs=(
  [sentinel-gru]="events=64x32"
  [sentinel-tcn]="events=64x32"
  [mlp]="x=256"
  [resnet-s]="image=3x128x128"
  [mobilenet-s]="image=3x160x160"
  [lstm-seq]="features=100x40"
  [transformer-s]="tokens=128:int64"
)

# zoo_gen_args NAME BATCH: prints ort.js gen --shape arguments, one per line.
zoo_gen_args() {
  local spec
  for spec in ${zoo_inputs[$1]}; do printf -- '--shape\n%s\n' "${spec%%=*}=$2x${spec#*=}"; done
}
