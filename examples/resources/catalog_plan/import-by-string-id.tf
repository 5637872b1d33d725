import {
  to = catalog_plan.custom
  id = "service-0123456789abcdef0123/custom"
}
