// Version strings of selinonc and of the Selinon configuration format it implements.
#pragma once

#define SELINON_VERSION "0.1.0"
#define SELINON_FORMAT_VERSION "1.4.0"
#define SELINON_FORMAT_CODENAME "Ironwood"
