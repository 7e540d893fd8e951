// The field tables of docs/platform-config.md, generated from the declarations (platform_fields.h): one table
// per section with each field's unit, default, valid range (its rule and the rules between fields that name
// it) and meaning. `cdma-sim --list-fields` prints them; a test fails when the page and the code differ.
#pragma once

#include <string>

namespace cdma::config {

std::string field_tables_markdown();

}  // namespace cdma::config
