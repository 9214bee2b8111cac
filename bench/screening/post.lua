-- wrk: POST a different pre-generated JSON body per request (BODIES=file.jsonl, PATH_=/screenings)
local bodies = {}
local path = os.getenv("PATH_") or "/screenings"
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local i = 0
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 997)
end
function init(args)
  i = offset or 0
end
function request()
  i = i + 1
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, bodies[(i % #bodies) + 1])
end
