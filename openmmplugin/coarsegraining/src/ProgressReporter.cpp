#include "ProgressReporter.h"

EffPot::ProgressReporter::~ProgressReporter() {
}
