// Inverse of zv_compact: spreads packed elements back to the positions of the set mask bits, zeros elsewhere.
// It runs the compactor's stages mirrored (largest shift first, moving elements up), steered by the routing
// control zv_route computes from the mask; the decompressor computes that control one pipeline stage earlier,
// so this module is only the log2(N) levels of 2:1 muxes.
module zv_expand #(
    parameter int N = 32,
    parameter int W = 32
) (
    input  logic [       N*W-1:0] packed_data,  // element r = r-th non-zero; elements past popcount(mask) ignored
    input  logic [$clog2(N)*N-1:0] sel_hi,      // zv_route's control for the mask
    input  logic [$clog2(N)*N-1:0] sel_keep,
    output logic [       N*W-1:0] out_data
);
  localparam int L = $clog2(N);

  // y[j] feeds mirrored stage j, which undoes compaction stage k = L-1-j: an element moved from p to p-2^k
  // moves back.
  logic [N*W-1:0] y[L+1]  /*verilator split_var*/;
  assign y[0] = packed_data;
  for (genvar j = 0; j < L; j++) begin : g_st
    localparam int K = L - 1 - j;
    for (genvar p = 0; p < N; p++) begin : g_p
      if (p >= (1 << K)) begin : g_lo
        assign y[j+1][p*W+:W] = sel_hi[K*N+p-(1<<K)] ? y[j][(p-(1<<K))*W+:W] : (sel_keep[K*N+p] ? y[j][p*W+:W] : '0);
      end else begin : g_own
        assign y[j+1][p*W+:W] = sel_keep[K*N+p] ? y[j][p*W+:W] : '0;
      end
    end
  end
  assign out_data = y[L];
endmodule
