import fc from "fast-check";

// a fixed seed: a failure reproduces, and a green CI run means the same cases passed as here
fc.configureGlobal({ seed: 20261121 });
