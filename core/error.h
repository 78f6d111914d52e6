// Error type for everything that reads user-supplied files or input. Messages name the file,
// the tensor or the field, and what is wrong, so they can be shown to a user as they are.
#pragma once

#include <stdexcept>
#include <string>

namespace tscope {

class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace tscope
