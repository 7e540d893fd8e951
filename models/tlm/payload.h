// prepare(): fills a generic payload for a plain transfer (no byte enables; streaming width = length) and
// marks it incomplete, the state TLM requires before a transport call.
#pragma once

#include <tlm>

namespace cdma::tlmx {

inline void prepare(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, uint64_t address, uint8_t* data,
                    unsigned length) {
  t.set_command(cmd);
  t.set_address(address);
  t.set_data_ptr(data);
  t.set_data_length(length);
  t.set_streaming_width(length);
  t.set_byte_enable_ptr(nullptr);
  t.set_byte_enable_length(0);
  t.set_dmi_allowed(false);  // a pooled payload may carry a previous target's hint
  t.set_gp_option(tlm::TLM_MIN_PAYLOAD);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

}  // namespace cdma::tlmx
