// librdkafka's client API and its mock cluster (rdkafka_mock.h ships in librdkafka-dev).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
