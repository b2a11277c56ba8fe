"""How long one claude-mesh server takes to answer the hook_delivery tool (what an mcp_tool hook calls), over
stdio, on a throw-away mesh: python3 mesh-bench/scripts/hook_delivery_timing.py UserPromptSubmit|PostToolUse [GAP]
(after ./mvnw -B -q package -DskipTests). 300 calls, the first 50 not counted, GAP seconds apart (default 0: back to
back; 0.1 spaces them as a session's prompts and tool calls are, with the server idle in between); list_peers for
comparison."""
import subprocess, json, time, os, sys, tempfile
tmp = tempfile.mkdtemp(prefix='claude-mesh-hook-timing-')
proj = os.path.join(tmp, 'proj'); os.makedirs(proj)
transcript = os.path.join(tmp, 'transcript.jsonl')
env=dict(os.environ, HOME=tmp, MESH_CHANNEL='off', MESH_DB_URL='', MESH_DB_PATH=os.path.join(tmp, 'mesh.db'))
p=subprocess.Popen([os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'bin', 'claude-mesh-server')],cwd=proj,stdin=subprocess.PIPE,stdout=subprocess.PIPE,env=env)
def rpc(i,m,params):
    p.stdin.write((json.dumps({"jsonrpc":"2.0","id":i,"method":m,"params":params})+"\n").encode()); p.stdin.flush()
    while True:
        l=json.loads(p.stdout.readline())
        if l.get("id")==i: return l
rpc(1,"initialize",{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}})
p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n'); p.stdin.flush()
open(transcript,'w').write('')
gap=float(sys.argv[2]) if len(sys.argv)>2 else 0.0
ts=[]
for i in range(300):
    if gap: time.sleep(gap)
    t=time.perf_counter()
    r=rpc(10+i,"tools/call",{"name":"hook_delivery","arguments":{"hook_event_name":sys.argv[1],"session_id":"s1","transcript_path":transcript}})
    ts.append((time.perf_counter()-t)*1000)
ts=ts[50:]; ts.sort()
print(sys.argv[1], "p50 %.2f p90 %.2f ms"%(ts[len(ts)//2], ts[int(len(ts)*.9)]))
t=time.perf_counter()
for i in range(200): rpc(1000+i,"tools/call",{"name":"list_peers","arguments":{}})
print("list_peers avg %.2f ms"%((time.perf_counter()-t)*5))
p.stdin.close(); p.wait()
