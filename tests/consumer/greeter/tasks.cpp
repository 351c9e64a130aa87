// The consumer's task implementation, compiled in the consumer's own build.
#include "greeter/tasks.hpp"

selinon::Json GreetTask::run(const selinon::Json&) { return {{"greeting", "hello from an installed Selinon"}}; }
