// One test class at a time. TorchSharp 0.107 hands native calls Scalars converted implicitly from doubles (alpha = 1 in
// every Tensor + Tensor too) and never disposes them: a garbage collection started by another test's thread can
// finalize one while libtorch still reads it ("Expected false to be true" from Scalar::toDouble/toFloat; CI failed so
// twice on one VM). With classes in sequence no other test allocates while one waits in libtorch.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
